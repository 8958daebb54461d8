using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace XMonitor.Deployment.Tests;

/// <summary>samples/XMonitor.Agent/deploy/grafana-dashboard.json.</summary>
[Collection(DeploymentCollection.Name)]
public sealed partial class DashboardTests
{
    /// <summary>
    /// Metric name prefixes of probes whose adapter a build may not have yet (written in parallel),
    /// each with the adapter's ProbeName: their names are checked once the adapter is in the build.
    /// </summary>
    private static readonly Dictionary<string, string> PendingAdapters = new()
    {
        ["xmonitor_bio_"] = "BioLatency",
        ["xmonitor_napi_"] = "Napi",
        ["xmonitor_fs_"] = "FsLatency",
    };

    private static string DashboardFile => Path.Combine(Repository.Deploy, "grafana-dashboard.json");

    [Fact]
    public async Task Every_metric_name_in_the_dashboard_is_one_the_package_or_the_agent_exports()
    {
        BpfEnvironment.Require();
        var (probes, exported) = await ExportedMetricNames.CollectAsync();
        var agent = AgentAssembly.Value;
        if (agent is not null)
            exported.UnionWith(AgentAssembly.MetricNames(agent));

        var unknown = new List<string>();
        var pending = new List<string>();
        foreach (var name in Expressions().Concat(VariableQueries()).SelectMany(e => MetricName().Matches(e).Select(m => m.Value)).Distinct().Order())
        {
            if (exported.Contains(name))
                continue;
            var adapter = PendingAdapters.FirstOrDefault(p => name.StartsWith(p.Key, StringComparison.Ordinal)).Value;
            var agentName = name.StartsWith("xmonitor_agent_", StringComparison.Ordinal);
            if ((adapter is not null && !probes.Contains(adapter)) || (agentName && agent is null))
                pending.Add(name);
            else
                unknown.Add(name);
        }

        if (pending.Count > 0)
            TestContext.Current.TestOutputHelper?.WriteLine($"not checked (their adapter or the agent is not in this build): {string.Join(", ", pending)}");
        Assert.True(unknown.Count == 0, $"the dashboard uses names nothing exports: {string.Join(", ", unknown)}");
    }

    [Fact]
    public void Every_expression_is_valid_promql()
    {
        const string Promtool = "/usr/bin/promtool";
        if (!File.Exists(Promtool))
        {
            if (Environment.GetEnvironmentVariable("CI") == "true")
                Assert.Fail($"{Promtool} is missing: .ci/setup installs the Debian package prometheus");
            Assert.Skip($"{Promtool} is missing (apt-get install prometheus)");
        }
        // promtool parses expressions in rule files; Grafana's variables become what Grafana puts there.
        var rules = new System.Text.StringBuilder("groups:\n  - name: dashboard\n    rules:\n");
        var index = 0;
        foreach (var expression in Expressions())
        {
            var promql = expression.Replace("$__rate_interval", "1m", StringComparison.Ordinal)
                .Replace("$__range", "1h", StringComparison.Ordinal)
                .Replace("$instance", ".*", StringComparison.Ordinal);
            rules.Append($"      - record: dashboard:expression_{index++}\n        expr: '{promql.Replace("'", "''", StringComparison.Ordinal)}'\n");
        }
        var file = Path.Combine(Path.GetTempPath(), $"xmon-dashboard-{Environment.ProcessId}-{Guid.NewGuid():N}.rules.yaml");
        File.WriteAllText(file, rules.ToString());
        try
        {
            var (exitCode, output, error) = Command.TryRun(Path.GetTempPath(), TimeSpan.FromMinutes(1), Promtool, "check", "rules", file);
            Assert.True(exitCode == 0, $"promtool check rules: exit {exitCode}\n{output}{error}");
            Assert.Contains($"{index} rules found", output, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void The_dashboard_has_a_panel_for_each_probe_and_for_probe_health()
    {
        var titles = Panels().Select(p => (string?)p["title"] ?? "").ToArray();
        var expressions = string.Join('\n', Expressions());
        foreach (var family in new[]
        {
            "xmonitor_cachestat_hits_total", "xmonitor_cpu_runqueue_latency_seconds_bucket", "xmonitor_cpu_offcpu_events_total",
            "xmonitor_cpu_hung_task_events_total", "xmonitor_oom_kills_total", "xmonitor_process_private_anon_bytes",
            "xmonitor_bio_request_latency_seconds_bucket", "xmonitor_bio_requests_total", "xmonitor_napi_polls_total",
            "xmonitor_fs_operation_latency_seconds_bucket", "xmonitor_probe_up", "xmonitor_bpf_program_attached",
        })
        {
            Assert.Contains(family, expressions, StringComparison.Ordinal);
        }
        Assert.Contains(Panels(), p => (string?)p["type"] == "heatmap" && ((string?)p["targets"]![0]!["expr"] ?? "").Contains("xmonitor_cpu_runqueue_latency_seconds_bucket", StringComparison.Ordinal));
        Assert.Contains("histogram_quantile(0.99, sum by (instance, le) (rate(xmonitor_cpu_runqueue_latency_seconds_bucket", expressions, StringComparison.Ordinal);
        Assert.Equal(titles.Length, Panels().Select(p => (int?)p["id"]).Distinct().Count());
    }

    private static IEnumerable<JsonNode> Panels()
    {
        var dashboard = JsonNode.Parse(File.ReadAllText(DashboardFile))!;
        foreach (var panel in dashboard["panels"]!.AsArray())
        {
            yield return panel!;
            foreach (var nested in panel!["panels"]?.AsArray() ?? [])
                yield return nested!;
        }
    }

    /// <summary>The PromQL of every panel's queries.</summary>
    private static IEnumerable<string> Expressions()
        => Panels().SelectMany(p => p["targets"]?.AsArray() ?? []).Select(t => (string?)t!["expr"] ?? "");

    /// <summary>The queries of the dashboard's variables (Grafana's <c>label_values(...)</c>, not PromQL).</summary>
    private static IEnumerable<string> VariableQueries()
    {
        var variables = JsonNode.Parse(File.ReadAllText(DashboardFile))!["templating"]!["list"]!.AsArray();
        foreach (var variable in variables.Where(v => (string?)v!["type"] == "query"))
            yield return (string?)variable!["definition"] ?? "";
    }

    [GeneratedRegex("xmonitor_[a-z0-9_]+")]
    private static partial Regex MetricName();
}
