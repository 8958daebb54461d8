using Microsoft.Extensions.DependencyInjection;
using XMonitor.Bpf.Probes.CacheStat;
using XMonitor.Bpf.Probes.CpuSched;
using XMonitor.Bpf.Probes.OomKill;
using XMonitor.Bpf.Probes.ProcessVm;

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
        await using var host = await AdapterHost.StartAsync(Register, o =>
        {
            o.LegacyNames = legacyNames;
            o.Port = 0;
        });
        // Off-CPU periods of the test's own threads, page cache reads and a mapping give the
        // per-process families samples.
        using (var file = new PageCacheFile(4L << 20))
            file.Read();
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
        Assert.Equal(0, exitCode);
        Assert.Equal("", output.Trim());
        var parsed = Scraped.Parse(scrape);
        foreach (var probe in new[] { "CacheStat", "CpuSched", "OomKill", "ProcessVm" })
            Assert.Equal(1, parsed.Value("xmonitor_probe_up", ("probe", probe)));
        Assert.Contains(parsed.Named("xmonitor_cpu_runqueue_latency_seconds_count"), s => s.Value > 0);
        Assert.Contains(parsed.Named("xmonitor_process_private_anon_bytes"), s => s.Value > 0);
        Assert.Equal(legacyNames, parsed.Types.ContainsKey("filesystem_pagecache_hits"));
    }

    [Fact]
    public async Task Every_seed_name_of_these_probes_is_declared_by_its_adapter_next_to_its_replacement()
    {
        BpfEnvironment.Require();
        await using var host = await AdapterHost.StartAsync(Register);
        var collectors = host.Registry.Collectors;
        Assert.Equal(["CacheStat", "CpuSched", "OomKill", "ProcessVm"], collectors.Select(c => c.ProbeName).Order());
        var seedProbes = new Dictionary<string, string> { ["CacheStat"] = "CacheStat", ["CpuSched"] = "CpuSched", ["OOMKill"] = "OomKill", ["ProcessVM"] = "ProcessVm" };
        foreach (var mapping in LegacyMetrics.Mappings.Where(m => seedProbes.ContainsKey(m.Probe)))
        {
            var collector = collectors.Single(c => c.ProbeName == seedProbes[mapping.Probe]);
            Assert.Contains(mapping.Legacy, collector.Families);
            // The replacement as exported: counters get _total from the writer.
            Assert.Contains(collector.Families, f => (f.Type == MetricType.Counter ? f.Name + "_total" : f.Name) == mapping.Replacement);
        }
        foreach (var family in collectors.SelectMany(c => c.Families).Where(f => !f.IsLegacy))
            Assert.False(string.IsNullOrWhiteSpace(family.Help));
    }

    private static void Register(IServiceCollection services) => services
        .AddCacheStatProbe().AddCacheStatMetrics()
        .AddCpuSchedProbe(o => o.OffCpuThreshold = TimeSpan.FromMilliseconds(100)).AddCpuSchedMetrics()
        .AddOomKillProbe().AddOomKillMetrics()
        .AddProcessVmProbe().AddProcessVmMetrics();
}
