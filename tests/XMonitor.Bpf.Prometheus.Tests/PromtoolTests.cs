namespace XMonitor.Bpf.Prometheus.Tests;

public sealed class PromtoolTests
{
    [Fact]
    public async Task Promtool_finds_no_problem_in_a_real_scrape()
    {
        var promtool = Tool.Require("/usr/bin/promtool");
        using var registry = new XMonitorMetricsRegistry(new XMonitorMetricsOptions { Port = 0 });
        registry.Add(SampleFamilies.Collector());
        registry.Add(new FakeCollector("Histograms", [FakeLatencyCollector.Family], (w, _) =>
            Log2HistogramLayout.Microseconds.Write(w, FakeLatencyCollector.Family, [new("cpu", "1")], [1, 2, 3, 0, 5], 120)));
        registry.Add(new FakeCollector("Broken", [], (_, _) => throw new InvalidOperationException("down on purpose")));
        var scrape = await ScrapeOverHttpAsync(registry);
        Assert.Contains("# TYPE xmonitor_sample_hits_total counter", scrape);
        Assert.Contains("# TYPE xmonitor_sample_latency_seconds histogram", scrape);
        Assert.Contains("# TYPE xmonitor_sample_build_info gauge", scrape);
        Assert.Contains("# TYPE xmonitor_sample_hit_ratio gauge", scrape);

        var (exitCode, output) = Tool.Run(promtool, "check metrics", scrape);

        TestContext.Current.TestOutputHelper?.WriteLine($"promtool check metrics: exit {exitCode}, output: '{output}'");
        Assert.Equal(0, exitCode);
        Assert.Equal("", output.Trim());
    }

    [Fact]
    public async Task The_seed_names_parse_and_break_only_the_lint_rules_the_seed_broke()
    {
        var promtool = Tool.Require("/usr/bin/promtool");
        using var registry = new XMonitorMetricsRegistry(new XMonitorMetricsOptions { Port = 0, LegacyNames = true });
        registry.Add(new FakeCollector("Legacy", LegacyMetrics.Mappings.Select(m => m.Legacy).ToArray(), (w, _) => WriteEveryLegacyFamily(w)));
        var scrape = await ScrapeOverHttpAsync(registry);

        var (exitCode, output) = Tool.Run(promtool, "check metrics", scrape);

        // Exit 3 is promtool's "lint problems" (a parse error is 1): the two gauges that dashboards
        // know by their _count names keep them, everything else is clean.
        Assert.Equal(3, exitCode);
        Assert.Equal(
            [
                "bio_request_completed_count non-histogram and non-summary metrics should not have \"_count\" suffix",
                "bio_request_error_count non-histogram and non-summary metrics should not have \"_count\" suffix",
            ],
            output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Order());
    }

    private static async Task<string> ScrapeOverHttpAsync(XMonitorMetricsRegistry registry)
    {
        await using var listener = await XMonitorMetricsListener.StartAsync(registry, TestContext.Current.CancellationToken);
        using var http = new HttpClient();
        return await http.GetStringAsync(listener.Url, TestContext.Current.CancellationToken);
    }

    // One sample of each of the seed's families, as the LegacyNames option exports them.
    private static void WriteEveryLegacyFamily(MetricWriter w)
    {
        Assert.True(w.IncludeLegacyNames);
        foreach (var family in LegacyMetrics.Mappings.Select(m => m.Legacy).Distinct())
        {
            var labels = family.LabelNames.Select(n => new Label(n, n == "msg" ? "Out of memory: Killed process 42 (java)" : "1")).ToArray();
            if (family.Type == MetricType.Histogram)
                LegacyMetrics.MicrosecondLayout.Write(w, family, labels, [1, 2, 3], 17);
            else
                w.Gauge(family, labels, 1);
        }
    }
}
