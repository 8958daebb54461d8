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
        using var latencyWatch = host.Services.GetRequiredService<CpuSchedProbe>().Samples.Subscribe(new Observer<RunQueueLatency>(latency.Enqueue));
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

        var scrapes = await prometheus.SamplesAsync($"xmonitor_cpu_runqueue_latency_seconds_count[{Math.Ceiling((end - begin).TotalSeconds + 1):0}s]", end, ct);
        Assert.True(scrapes.Count >= 4, $"{scrapes.Count} scrapes between {begin:HH:mm:ss.fff} and {end:HH:mm:ss.fff}");
        var (first, last) = (scrapes[0].Time, scrapes[^1].Time);
        // Evaluated at the last scrape over a range that starts at the first one (both ends belong to
        // the range): rate() and increase() then take the difference of the two scrapes as it is,
        // without extrapolating to the range's edges.
        var window = $"{(last - first).TotalMilliseconds:0}ms";

        // What the probes reported between those two scrapes: the collector's value at a scrape is
        // the last reading published before Prometheus's request reached it.
        var runQueue = Cumulative(latency, last).Subtract(Cumulative(latency, first));
        var output = TestContext.Current.TestOutputHelper;
        output?.WriteLine($"window {window}: scrapes {first:HH:mm:ss.fff} to {last:HH:mm:ss.fff}; probe: {runQueue}");
        output?.WriteLine(runQueue.ToText());
        Assert.True(runQueue.Count >= (ulong)spinners.Count, $"{runQueue.Count} run-queue waits of {spinners.Count} spinning threads");
        foreach (var q in new[] { 0.5, 0.99 })
        {
            var fromPrometheus = await prometheus.QueryScalarAsync(
                $"histogram_quantile({q.ToString(CultureInfo.InvariantCulture)}, sum by (le) (rate(xmonitor_cpu_runqueue_latency_seconds_bucket[{window}])))", ct, last);
            var fromProbe = Quantile(q, runQueue);
            output?.WriteLine($"q{q}: Prometheus {fromPrometheus * 1e6:0.0} us, probe {fromProbe * 1e6:0.0} us");
            Assert.NotNull(fromPrometheus);
            // Both interpolate linearly inside the same log2 bucket (uniform values assumed), so on
            // the same counts they agree exactly. The counts can differ by a reading published while
            // Prometheus's request was on its way: the test's threads are quiet then (the work starts
            // 1.5 s after the first scrape and ends 3 s before the last), a few waits at most. 25 %
            // allows for them and stays well within one bucket, which is 100 % wide.
            Assert.InRange(fromPrometheus.Value, fromProbe * 0.75, fromProbe * 1.25);
        }

        // Page cache, system-wide: other sessions' reads count too, on both sides alike.
        var ratio = await prometheus.QueryScalarAsync($"sum(increase(xmonitor_cachestat_hits_total[{window}])) / sum(increase(xmonitor_cachestat_accesses_total[{window}]))", ct, last);
        var (low, high) = RatioBounds(cache, first, last);
        output?.WriteLine($"hit ratio: Prometheus {ratio:0.0000}, probe between {low:0.0000} and {high:0.0000}");
        Assert.NotNull(ratio);
        var accesses = cache.Where(c => c.Timestamp > first && c.Timestamp <= last).Sum(c => (double)c.System.Accesses);
        Assert.True(accesses >= file.Pages * 4, $"{accesses} accesses for 4 reads of {file.Pages} pages");
        // A reading published within the second after a scrape's timestamp may or may not be in its
        // value (Prometheus stamps the scrape when it sends the request; on a loaded machine the
        // answer can take a while): the ratio lies between those of every such cut, ±0.005.
        Assert.InRange(ratio.Value, low - 0.005, high + 0.005);
    }

    /// <summary>The run-queue histogram as the collector held it at <paramref name="at"/>: the last reading before it.</summary>
    private static Log2Histogram Cumulative(IEnumerable<RunQueueLatency> readings, DateTimeOffset at)
        => readings.Last(r => r.Timestamp <= at).Histograms.Single().Cumulative;

    /// <summary>
    /// The hit ratio of the readings between two scrapes, lowest and highest over where each scrape
    /// may have cut: after any of the readings published from 100 ms before its timestamp to 1 s after.
    /// </summary>
    private static (double Low, double High) RatioBounds(IEnumerable<CacheStatSample> samples, DateTimeOffset first, DateTimeOffset last)
    {
        var sorted = samples.OrderBy(s => s.Timestamp).ToList();
        var firstCuts = Cuts(sorted, first);
        var lastCuts = Cuts(sorted, last);
        double low = double.MaxValue, high = double.MinValue;
        foreach (var from in firstCuts)
        {
            foreach (var to in lastCuts.Where(to => to > from))
            {
                var chosen = sorted.Skip(from).Take(to - from).ToList();
                var ratio = chosen.Sum(s => (double)s.System.Hits) / chosen.Sum(s => (double)s.System.Accesses);
                (low, high) = (Math.Min(low, ratio), Math.Max(high, ratio));
            }
        }
        return (low, high);
    }

    /// <summary>The possible counts of readings in a scrape's value: every reading before the uncertain span, plus none to all of it.</summary>
    private static List<int> Cuts(List<CacheStatSample> sorted, DateTimeOffset scrape)
    {
        var sure = sorted.Count(s => s.Timestamp < scrape - TimeSpan.FromMilliseconds(100));
        var uncertain = sorted.Count(s => s.Timestamp >= scrape - TimeSpan.FromMilliseconds(100) && s.Timestamp <= scrape + TimeSpan.FromSeconds(1));
        return Enumerable.Range(sure, uncertain + 1).ToList();
    }

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
