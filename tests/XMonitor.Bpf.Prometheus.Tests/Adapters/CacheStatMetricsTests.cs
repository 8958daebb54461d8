using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using XMonitor.Bpf.Probes;
using XMonitor.Bpf.Probes.CacheStat;

namespace XMonitor.Bpf.Prometheus.Tests.Adapters;

[Collection(nameof(ProbeAdapterCollection))]
public sealed class CacheStatMetricsTests(ITestOutputHelper output)
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

    [Fact]
    public async Task More_processes_than_the_probes_top_add_up_to_the_system_count_with_other()
    {
        BpfEnvironment.Require();
        // 15 shells each run `cat` on a cached 1 MiB file 100 times: about 1,500 reading processes per
        // second, far more than the probe's top 10, each counting 256 page accesses per read.
        const int Readers = 15, Reads = 100;
        using var file = new PageCacheFile(1 << 20);
        file.Read();
        await using var host = await AdapterHost.StartAsync(s => s.AddCacheStatProbe(o => o.Interval = TimeSpan.FromMilliseconds(500)).AddCacheStatMetrics());
        var probe = host.Services.GetRequiredService<CacheStatProbe>();
        Assert.Equal(10, probe.Options.TopProcesses);
        var scrapes = new List<(CacheStatSample Sample, Scraped Scrape)>();
        var recording = false;
        using var watch = probe.Samples.Observe(s =>
        {
            if (Volatile.Read(ref recording))
                scrapes.Add((s, Scraped.Parse(host.Scrape())));
        });
        var first = await NextSampleAsync(probe);
        Volatile.Write(ref recording, true);
        var readers = Enumerable.Range(0, Readers)
            .Select(_ => Process.Start(new ProcessStartInfo("sh", ["-c", $"i=0; while [ $i -lt {Reads} ]; do cat '{file.Path}'; i=$((i+1)); done > /dev/null"]))!)
            .ToList();
        foreach (var reader in readers)
        {
            await reader.WaitForExitAsync(TestContext.Current.CancellationToken);
            Assert.Equal(0, reader.ExitCode);
            reader.Dispose();
        }
        // Every reader's last interval, and the one after it (an exited process is read once more).
        await NextSampleAsync(probe);
        await NextSampleAsync(probe);
        Volatile.Write(ref recording, false);
        var recorded = scrapes.ToArray();

        double ProcessSum(Scraped scrape) => scrape.Named("xmonitor_cachestat_process_accesses").Sum(s => s.Value);
        foreach (var (_, scrape) in recorded)
            Assert.InRange(scrape.Named("xmonitor_cachestat_process_accesses").Count(), 0, 11);
        Assert.Contains(recorded, r => r.Sample.OtherProcessCount > 0
            && r.Scrape.Named("xmonitor_cachestat_process_accesses").Any(s => s.Labels["comm"] == "other" && s.Value > 0));
        var series = recorded.Sum(r => ProcessSum(r.Scrape));
        var system = recorded.Sum(r => (double)r.Sample.System.Accesses);
        output.WriteLine($"{recorded.Length} intervals: {series} accesses in the process series (other included), {system} system-wide, "
            + $"{Readers * Reads * file.Pages} read by the readers; up to {recorded.Max(r => r.Sample.OtherProcessCount)} processes in other per interval");
        // Ground truth: the readers' own reads, wherever their process's series is.
        Assert.True(series >= Readers * Reads * file.Pages, $"{series} accesses in the process series, {Readers * Reads * file.Pages} read by the readers alone");
        // The per-process and the system-wide counters count the same events (no filter), read a few
        // microseconds apart: 1 % covers the events between the two reads at each end.
        Assert.InRange(series, system * 0.99, system * 1.01);
        Assert.NotNull(first);
    }

    private static async Task<CacheStatSample> NextSampleAsync(CacheStatProbe probe)
    {
        var next = new TaskCompletionSource<CacheStatSample>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var once = probe.Samples.Observe(s => next.TrySetResult(s));
        return await next.Task.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
    }
}
