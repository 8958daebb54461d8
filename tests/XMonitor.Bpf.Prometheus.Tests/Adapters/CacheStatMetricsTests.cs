using Microsoft.Extensions.DependencyInjection;
using XMonitor.Bpf.Probes;
using XMonitor.Bpf.Probes.CacheStat;

namespace XMonitor.Bpf.Prometheus.Tests.Adapters;

[Collection(nameof(ProbeAdapterCollection))]
public sealed class CacheStatMetricsTests
{
    [Fact]
    public async Task Reading_a_file_twice_shows_as_misses_then_hits_with_a_process_series_and_the_seed_names()
    {
        BpfEnvironment.Require();
        using var file = new PageCacheFile(32L << 20);
        await using var host = await AdapterHost.StartAsync(
            s => s.AddCacheStatProbe(o =>
            {
                o.Interval = TimeSpan.FromMilliseconds(300);
                o.Filter = ProcessFilter.Pid(Environment.ProcessId);
            }).AddCacheStatMetrics(),
            o => o.LegacyNames = true);
        var probe = host.Services.GetRequiredService<CacheStatProbe>();
        var ownProcessScrape = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        // Scraped from the probe's own callback: the adapter got the sample just before (it subscribed
        // first), and the next interval cannot replace it meanwhile. A read that spans two intervals
        // has at least half its pages in one of them.
        using var watch = probe.Samples.Subscribe(new Observer<CacheStatSample>(s =>
        {
            if (s.Processes.Any(p => p.ProcessId == Environment.ProcessId && p.Counts.Accesses >= (ulong)file.Pages / 2))
                ownProcessScrape.TrySetResult(host.Scrape());
        }));

        var before = Scraped.Parse(host.Scrape());
        file.Evict();
        file.Read();
        await Task.Delay(1000, TestContext.Current.CancellationToken);
        var cold = Scraped.Parse(host.Scrape());
        file.Read();
        await Task.Delay(1000, TestContext.Current.CancellationToken);
        var warm = Scraped.Parse(host.Scrape());

        foreach (var name in new[] { "accesses", "hits", "misses", "dirtied" })
            Assert.Equal("counter", warm.Types[$"xmonitor_cachestat_{name}_total"]);
        double Delta(Scraped a, Scraped b, string name) => b.Value($"xmonitor_cachestat_{name}_total") - a.Value($"xmonitor_cachestat_{name}_total");
        // System-wide: other processes add to these, so only lower bounds hold. Readahead can move a
        // cold read's insertions and accesses into different intervals, turning some misses into hits.
        Assert.True(Delta(before, cold, "misses") >= file.Pages / 2, $"cold read: {Delta(before, cold, "misses")} misses for {file.Pages} pages");
        Assert.True(Delta(before, cold, "accesses") >= file.Pages, $"cold read: {Delta(before, cold, "accesses")} accesses for {file.Pages} pages");
        // Other processes can also lower the hits: a page they add without a read (a write to a new
        // page) is a miss and no access. The warm read adds no page, so the window's misses bound that.
        Assert.True(Delta(cold, warm, "hits") + Delta(cold, warm, "misses") >= file.Pages * 0.9,
            $"warm read: {Delta(cold, warm, "hits")} hits (misses in the window: {Delta(cold, warm, "misses")}) for {file.Pages} pages");
        Assert.Equal(warm.Value("xmonitor_cachestat_accesses_total"), warm.Value("xmonitor_cachestat_hits_total") + warm.Value("xmonitor_cachestat_misses_total"));
        Assert.True(warm.Value("xmonitor_cachestat_cached_bytes") > 0);
        Assert.Equal("gauge", warm.Types["xmonitor_cachestat_cached_bytes"]);

        var own = Scraped.Parse(await ownProcessScrape.Task.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken));
        var pid = Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var accesses = own.Named("xmonitor_cachestat_process_accesses").Single(s => s.Labels["pid"] == pid);
        Assert.Equal(["comm", "pid"], accesses.Labels.Keys.Order());
        Assert.True(accesses.Value >= file.Pages / 2);
        Assert.Equal("gauge", own.Types["xmonitor_cachestat_process_accesses"]);
        foreach (var name in new[] { "hits", "misses", "dirtied" })
            Assert.Single(own.Named($"xmonitor_cachestat_process_{name}"), s => s.Labels["pid"] == pid);
        var ratio = own.Value("xmonitor_cachestat_hit_ratio");
        Assert.InRange(ratio, 0, 1);

        // The seed's names: the interval's values as gauges with from="xm_ebpf".
        Assert.Equal("gauge", own.Types["filesystem_pagecache_hits"]);
        Assert.Equal(ratio, own.Value("filesystem_pagecache_ratio", ("from", "xm_ebpf")));
        Assert.Single(own.Named("filesystem_pagecache_misses"), s => s.Labels.Count == 1 && s.Labels["from"] == "xm_ebpf");

        Assert.Contains("xmonitor_probe_up{probe=\"CacheStat\"} 1\n", warm.Text);
        Assert.Contains(warm.Named("xmonitor_bpf_program_attached"), s => s.Labels["probe"] == "CacheStat" && s.Value == 1);

        await probe.DisposeAsync();
        Assert.True(MeterCheck.AssertMeterMatchesScrape(host.Registry, "CacheStat") >= 4);
    }
}
