using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace XMonitor.Bpf.Prometheus.Tests.Adapters;

[Collection(nameof(ProbeAdapterCollection))]
public sealed class AllAdaptersTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Promtool_finds_no_problem_in_a_real_scrape_of_every_adapter(bool legacyNames)
    {
        BpfEnvironment.Require();
        var promtool = Tool.Require("/usr/bin/promtool");
        await using var host = await AdapterHost.StartAsync(s => AllProbes.Register(s), o =>
        {
            o.LegacyNames = legacyNames;
            o.Port = 0;
        });
        // Off-CPU periods of the test's own threads, page cache reads, block I/O, file-system calls,
        // datagrams and a mapping give the per-event and per-process families samples.
        AllProbes.Exercise();
        const nuint Mapped = 4 << 20;
        var mapping = Mappings.MapPrivateAnonymous(Mapped);
        string scrape;
        try
        {
            await Task.Delay(1500, TestContext.Current.CancellationToken);
            await using var listener = await XMonitorMetricsListener.StartAsync(host.Registry, TestContext.Current.CancellationToken);
            using var http = new HttpClient();
            scrape = await http.GetStringAsync(listener.Url, TestContext.Current.CancellationToken);
        }
        finally
        {
            Mappings.Unmap(mapping, Mapped);
        }
        var (exitCode, output) = Tool.Run(promtool, "check metrics", scrape);

        TestContext.Current.TestOutputHelper?.WriteLine($"promtool check metrics: exit {exitCode}, output: '{output}'");
        // The seed's two gauges named ..._count are the only lint problems its names bring (exit 3 is
        // promtool's "lint problems"; a parse error is 1); our own names have none.
        string[] seedLints = legacyNames
            ?
            [
                "bio_request_completed_count non-histogram and non-summary metrics should not have \"_count\" suffix",
                "bio_request_error_count non-histogram and non-summary metrics should not have \"_count\" suffix",
            ]
            : [];
        Assert.Equal(seedLints, output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Order());
        Assert.Equal(legacyNames ? 3 : 0, exitCode);
        var parsed = Scraped.Parse(scrape);
        foreach (var probe in AllProbes.Names)
        {
            Assert.Equal(1, parsed.Value("xmonitor_probe_up", ("probe", probe)));
            // Each probe's programs show in the health series, attached.
            Assert.Contains(parsed.Named("xmonitor_bpf_program_attached"), s => s.Labels["probe"] == probe && s.Value == 1);
        }
        Assert.Contains(parsed.Named("xmonitor_cpu_runqueue_latency_seconds_count"), s => s.Value > 0);
        Assert.Contains(parsed.Named("xmonitor_process_private_anon_bytes"), s => s.Value > 0);
        Assert.Contains(parsed.Named("xmonitor_bio_request_latency_seconds_count"), s => s.Value > 0);
        Assert.Contains(parsed.Named("xmonitor_bio_slow_requests_total"), s => s.Value > 0);
        Assert.Contains(parsed.Named("xmonitor_fs_operation_latency_seconds_count"), s => s.Value > 0);
        Assert.Contains(parsed.Named("xmonitor_napi_packets_total"), s => s.Value > 0);
        Assert.Equal(legacyNames, parsed.Types.ContainsKey("filesystem_pagecache_hits"));
        Assert.Equal(legacyNames, parsed.Types.ContainsKey("bio_request_latency"));
        Assert.Equal(legacyNames, parsed.Named("bio_request_latency_over_threshold").Any());

        // Every seed family in the scrape has the seed's type and exactly its labels, and from="xm_ebpf".
        var seen = 0;
        foreach (var family in LegacyMetrics.Mappings.Select(m => m.Legacy))
        {
            if (!parsed.Types.TryGetValue(family.Name, out var type))
                continue;
            seen++;
            Assert.Equal(family.Type.ToString().ToLowerInvariant(), type);
            var series = family.Type == MetricType.Histogram
                ? parsed.Samples.Where(x => x.Name == family.Name + "_sum" || x.Name == family.Name + "_count" || x.Name == family.Name + "_bucket")
                : parsed.Named(family.Name);
            Assert.All(series, x =>
            {
                Assert.Equal([.. family.LabelNames, "from", .. x.Name.EndsWith("_bucket", StringComparison.Ordinal) ? new[] { "le" } : []], x.Labels.Keys);
                Assert.Equal("xm_ebpf", x.Labels["from"]);
            });
        }
        // At least: page cache hits and misses, run-queue latency, address space, and of block I/O
        // both histograms, the three counts and the slow requests (the ratios need data in the last interval).
        Assert.True(seen >= (legacyNames ? 10 : 0), $"{seen} seed families in the scrape");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_real_Prometheus_parses_the_OpenMetrics_scrape_of_every_adapter(bool legacyNames)
    {
        // promtool (2.42) reads only text 0.0.4; Prometheus's scraper has the OpenMetrics parser and
        // asks for OpenMetrics first: a scrape it cannot parse marks the target down with the error.
        BpfEnvironment.Require();
        var binary = Tool.Require("/usr/bin/prometheus");
        var ct = TestContext.Current.CancellationToken;
        await using var host = await AdapterHost.StartAsync(s => AllProbes.Register(s), o => o.LegacyNames = legacyNames);
        AllProbes.Exercise();
        await using var listener = await XMonitorMetricsListener.StartAsync(host.Registry, ct);
        using var prometheus = await PrometheusServer.StartAsync(binary, $"127.0.0.1:{listener.Url.Port}", ct);

        // Two scrapes after the probes' first intervals, with every probe's series.
        await prometheus.WaitForScalarAsync("count(count by (probe) (xmonitor_probe_up == 1))", ct, n => n == AllProbes.Names.Length);
        await prometheus.WaitForScalarAsync("count_over_time(xmonitor_probe_up{probe=\"Napi\"}[1m])", ct, n => n >= 2);
        var target = await prometheus.TargetAsync(ct);
        Assert.Equal("", target.GetProperty("lastError").GetString());
        Assert.Equal("up", target.GetProperty("health").GetString());
        // Only OpenMetrics carries # UNIT: Prometheus knowing the unit shows it negotiated OpenMetrics.
        Assert.Equal("seconds", (await prometheus.MetadataAsync("xmonitor_bio_request_latency_seconds", ct)).GetProperty("unit").GetString());
        Assert.True(await prometheus.WaitForScalarAsync("count(xmonitor_bio_request_latency_seconds_bucket)", ct) >= 32);
        Assert.True(await prometheus.WaitForScalarAsync("count(xmonitor_napi_polls_total)", ct) >= 1);
        if (legacyNames)
            Assert.True(await prometheus.WaitForScalarAsync("count(bio_request_latency_bucket{from=\"xm_ebpf\"})", ct) >= 32);
    }

    [Fact]
    public async Task A_MeterListener_sees_the_values_of_a_scrape_of_the_same_moment_for_every_adapter()
    {
        BpfEnvironment.Require();
        await using var host = await AdapterHost.StartAsync(s => AllProbes.Register(s));
        AllProbes.Exercise();
        await Task.Delay(1500, TestContext.Current.CancellationToken);
        // Stopped probes hold their values still, so the listener's collection and the scrape after
        // it read the same moment.
        foreach (var service in host.Services.GetServices<IHostedService>())
            await service.StopAsync(TestContext.Current.CancellationToken);
        var compared = AllProbes.Names.ToDictionary(name => name, name => MeterCheck.AssertMeterMatchesScrape(host.Registry, name));

        TestContext.Current.TestOutputHelper?.WriteLine(string.Join(", ", compared.Select(c => $"{c.Key}: {c.Value}")));
        // Every adapter has counters with samples once its probe read its maps (OomKill's only
        // counter has a series per kill, and nothing was killed).
        Assert.All(compared.Where(c => c.Key != "OomKill"), c => Assert.True(c.Value > 0, $"{c.Key}: no measurement"));
    }

    [Fact]
    public async Task Every_seed_name_of_these_probes_is_declared_by_its_adapter_next_to_its_replacement()
    {
        BpfEnvironment.Require();
        await using var host = await AdapterHost.StartAsync(s => AllProbes.Register(s));
        var collectors = host.Registry.Collectors;
        Assert.Equal(AllProbes.Names, collectors.Select(c => c.ProbeName).Order());
        var seedProbes = new Dictionary<string, string>
        {
            ["CacheStat"] = "CacheStat", ["CpuSched"] = "CpuSched", ["OOMKill"] = "OomKill", ["ProcessVM"] = "ProcessVm",
            ["BioLatency"] = "BioLatency", ["FsLatency"] = "FsLatency",
        };
        Assert.All(LegacyMetrics.Mappings, m => Assert.Contains(m.Probe, seedProbes.Keys));
        foreach (var mapping in LegacyMetrics.Mappings)
        {
            var collector = collectors.Single(c => c.ProbeName == seedProbes[mapping.Probe]);
            Assert.Contains(mapping.Legacy, collector.Families);
            // The replacement as exported: counters get _total from the writer.
            Assert.Contains(collector.Families, f => (f.Type == MetricType.Counter ? f.Name + "_total" : f.Name) == mapping.Replacement);
        }
        foreach (var family in collectors.SelectMany(c => c.Families).Where(f => !f.IsLegacy))
            Assert.False(string.IsNullOrWhiteSpace(family.Help));
    }
}
