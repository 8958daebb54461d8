using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using XMonitor.Bpf.Probes;
using XMonitor.Bpf.Probes.CacheStat;
using XMonitor.Bpf.Probes.CpuSched;

namespace XMonitor.Bpf.Prometheus.Tests.Adapters;

/// <summary>
/// A real Prometheus scraping real probes every second: what its HTTP API computes from the
/// exported series (histogram_quantile over rate of the run-queue buckets, the page cache hit
/// ratio from the counters' increase) against what the probes themselves reported between the
/// same two scrapes.
/// </summary>
[Collection(nameof(ProbeAdapterCollection))]
public sealed class ProbesEndToEndTests
{
    private static readonly TimeSpan ProbeInterval = TimeSpan.FromMilliseconds(250);

    [Fact]
    public async Task Prometheus_computes_the_run_queue_latency_quantiles_and_the_page_cache_hit_ratio_the_probes_reported()
    {
        BpfEnvironment.Require();
        var binary = Tool.Require("/usr/bin/prometheus");
        var ct = TestContext.Current.CancellationToken;
        using var file = new PageCacheFile(32L << 20);
        await using var host = await AdapterHost.StartAsync(s => s
            .AddCpuSchedProbe(o =>
            {
                // The test's own threads: other sessions on the machine do not move the quantiles.
                o.Filter = ProcessFilter.Pid(Environment.ProcessId);
                o.Interval = ProbeInterval;
            }).AddCpuSchedMetrics()
            .AddCacheStatProbe(o => o.Interval = ProbeInterval).AddCacheStatMetrics());
        var latency = new ConcurrentQueue<RunQueueLatency>();
        var cache = new ConcurrentQueue<CacheStatSample>();
        using var latencyWatch = host.Services.GetRequiredService<CpuSchedProbe>().RunQueueLatency.Subscribe(new Observer<RunQueueLatency>(latency.Enqueue));
        using var cacheWatch = host.Services.GetRequiredService<CacheStatProbe>().Samples.Subscribe(new Observer<CacheStatSample>(cache.Enqueue));
        await using var listener = await XMonitorMetricsListener.StartAsync(host.Registry, ct);
        using var prometheus = await PrometheusServer.StartAsync(binary, $"127.0.0.1:{listener.Url.Port}", ct);

        // Scrapes before the work: the window's first sample is from before it.
        await prometheus.WaitForScalarAsync("count_over_time(xmonitor_cpu_runqueue_latency_seconds_count[1m])", ct, n => n >= 2);
        var begin = DateTimeOffset.UtcNow;
        await Task.Delay(1500, ct);
        var spinners = Enumerable.Range(0, Environment.ProcessorCount * 3).Select(_ => new Thread(() =>
        {
            var until = Stopwatch.GetTimestamp() + Stopwatch.Frequency * 3;
            while (Stopwatch.GetTimestamp() < until)
                Thread.SpinWait(1000);
        })).ToList();
        foreach (var t in spinners)
            t.Start();
        // Cold, then warm: misses for the first read, hits for the others.
        file.Evict();
        for (var i = 0; i < 4; i++)
            file.Read();
        foreach (var t in spinners)
            t.Join();
        // The probes' last intervals of the work, and scrapes after them.
        await Task.Delay(3000, ct);
        var end = DateTimeOffset.UtcNow;
        // Prometheus has ingested the scrapes up to the end.
        await Task.Delay(2000, ct);

        var window = $"{Math.Ceiling((end - begin).TotalSeconds + 1):0}s";
        var scrapes = await prometheus.SamplesAsync($"xmonitor_cpu_runqueue_latency_seconds_count[{window}]", end, ct);
        Assert.True(scrapes.Count >= 4, $"{scrapes.Count} scrapes in the window of {window}");
        var (first, last) = (scrapes[0].Time, scrapes[^1].Time);

        // What the probes reported between the window's first and last scrape: the collector's value
        // at a scrape is the last reading published before it.
        var runQueue = Cumulative(latency, last).Subtract(Cumulative(latency, first));
        var output = TestContext.Current.TestOutputHelper;
        output?.WriteLine($"window {window}: scrapes {first:HH:mm:ss.fff} to {last:HH:mm:ss.fff}; probe: {runQueue}");
        output?.WriteLine(runQueue.ToText());
        Assert.True(runQueue.Count >= (ulong)spinners.Count, $"{runQueue.Count} run-queue waits of {spinners.Count} spinning threads");
        foreach (var q in new[] { 0.5, 0.99 })
        {
            var fromPrometheus = await prometheus.QueryScalarAsync(
                $"histogram_quantile({q.ToString(CultureInfo.InvariantCulture)}, sum by (le) (rate(xmonitor_cpu_runqueue_latency_seconds_bucket[{window}])))", ct, end);
            var fromProbe = Quantile(q, runQueue);
            output?.WriteLine($"q{q}: Prometheus {fromPrometheus * 1e6:0.0} us, probe {fromProbe * 1e6:0.0} us");
            Assert.NotNull(fromPrometheus);
            // Both interpolate linearly inside the same log2 bucket, so on the same counts they agree
            // exactly. rate() extrapolates each bucket's increase to the window's edges, by the same
            // factor except for buckets that were still empty at the first scrape (no extrapolation
            // below zero): that moves a quantile by a few percent. 25 % stays within one bucket, whose
            // width is 100 %.
            Assert.InRange(fromPrometheus.Value, fromProbe * 0.75, fromProbe * 1.25);
        }

        // Page cache, system-wide: other sessions' reads count too, on both sides alike.
        var ratio = await prometheus.QueryScalarAsync($"sum(increase(xmonitor_cachestat_hits_total[{window}])) / sum(increase(xmonitor_cachestat_accesses_total[{window}]))", ct, end);
        var (hits, accesses, edges) = Counted(cache, first, last);
        output?.WriteLine($"hit ratio: Prometheus {ratio:0.0000}, probe {(double)hits / accesses:0.0000} ({hits} hits of {accesses} accesses; {edges} probe readings within 100 ms of a scrape)");
        Assert.NotNull(ratio);
        Assert.True(accesses >= (ulong)(file.Pages * 4), $"{accesses} accesses for 4 reads of {file.Pages} pages");
        // increase() scales hits and accesses by the same extrapolation, so the ratio is the probe's.
        // A reading published within milliseconds of a scrape may fall on either side of it: the
        // readings within 100 ms of the two scrapes bound the ratio either way.
        var (low, high) = RatioBounds(cache, first, last);
        Assert.InRange(ratio.Value, low - 0.005, high + 0.005);
    }

    /// <summary>The run-queue histogram as the collector held it at <paramref name="at"/>: the last reading before it.</summary>
    private static Log2Histogram Cumulative(IEnumerable<RunQueueLatency> readings, DateTimeOffset at)
        => readings.Last(r => r.Timestamp <= at).Histograms.Single().Cumulative;

    private static (ulong Hits, ulong Accesses, int Edges) Counted(IEnumerable<CacheStatSample> samples, DateTimeOffset first, DateTimeOffset last)
    {
        var inside = samples.Where(s => s.Timestamp > first && s.Timestamp <= last).ToList();
        var edges = samples.Count(s => NearEdge(s, first, last));
        return ((ulong)inside.Sum(s => (double)s.System.Hits), (ulong)inside.Sum(s => (double)s.System.Accesses), edges);
    }

    private static (double Low, double High) RatioBounds(IEnumerable<CacheStatSample> samples, DateTimeOffset first, DateTimeOffset last)
    {
        var sure = samples.Where(s => s.Timestamp > first && s.Timestamp <= last && !NearEdge(s, first, last)).ToList();
        var maybe = samples.Where(s => NearEdge(s, first, last)).ToList();
        double low = double.MaxValue, high = double.MinValue;
        for (var mask = 0; mask < 1 << maybe.Count; mask++)
        {
            var chosen = sure.Concat(maybe.Where((_, i) => (mask & (1 << i)) != 0)).ToList();
            var accesses = chosen.Sum(s => (double)s.System.Accesses);
            var ratio = chosen.Sum(s => (double)s.System.Hits) / accesses;
            (low, high) = (Math.Min(low, ratio), Math.Max(high, ratio));
        }
        return (low, high);
    }

    private static bool NearEdge(CacheStatSample s, DateTimeOffset first, DateTimeOffset last)
        => Math.Abs((s.Timestamp - first).TotalMilliseconds) < 100 || Math.Abs((s.Timestamp - last).TotalMilliseconds) < 100;

    /// <summary>
    /// Prometheus's histogram_quantile on the probe's counts: the bucket that holds the rank,
    /// linear inside it; its <c>le</c> bounds are the exported ones (2^(i+1) microseconds, the first
    /// bucket from 0).
    /// </summary>
    private static double Quantile(double q, Log2Histogram histogram)
    {
        var bounds = Log2HistogramLayout.Microseconds.UpperBounds;
        var rank = q * histogram.Count;
        ulong below = 0;
        for (var i = 0; i < bounds.Length; i++)
        {
            var cumulative = below + histogram[i];
            if (cumulative >= rank && histogram[i] > 0)
            {
                var start = i == 0 ? 0 : bounds[i - 1];
                return start + (bounds[i] - start) * (rank - below) / histogram[i];
            }
            below = cumulative;
        }
        return bounds[^1];
    }
}
