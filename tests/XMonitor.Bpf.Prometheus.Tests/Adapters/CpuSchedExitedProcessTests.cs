using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using XMonitor.Bpf.Probes;
using XMonitor.Bpf.Probes.CpuSched;

namespace XMonitor.Bpf.Prometheus.Tests.Adapters;

/// <summary>
/// The probe forgets the histograms of exited processes; the exported histograms must not go down
/// when it does, and must still count what those processes waited.
/// </summary>
[Collection(nameof(ProbeAdapterCollection))]
public sealed class CpuSchedExitedProcessTests(ITestOutputHelper output)
{
    private const int Loops = 3;
    private const int SleepsPerLoop = 40;
    private const string Family = "xmonitor_cpu_runqueue_latency_seconds";
    private const string LegacyFamily = "cpu_schedule_runq_latency";

    [Fact]
    public async Task Histograms_never_go_down_while_short_lived_processes_exit_and_are_pruned()
    {
        BpfEnvironment.Require();
        // A process group of its own: a shell whose loops run SleepsPerLoop short sleep processes
        // each. Every sleep is a new process that waits on a run queue when it starts and when it
        // wakes, exits, and is pruned by the probe.
        var start = new ProcessStartInfo("setsid") { RedirectStandardInput = true, RedirectStandardOutput = true };
        foreach (var a in new[] { "sh", "-c", $"echo $$; read go; for k in $(seq {Loops}); do (for i in $(seq {SleepsPerLoop}); do sleep 0.02; done) & done; wait" })
            start.ArgumentList.Add(a);
        using var shell = Process.Start(start)!;
        try
        {
            var group = int.Parse(shell.StandardOutput.ReadLine()!, CultureInfo.InvariantCulture);
            await using var host = await AdapterHost.StartAsync(
                s => s.AddCpuSchedProbe(o =>
                {
                    o.Interval = TimeSpan.FromMilliseconds(100);
                    o.Aggregation = CpuSchedAggregation.Process;
                    o.Filter = ProcessFilter.ProcessGroup(group);
                    o.OffCpuThreshold = TimeSpan.Zero;
                    o.HungTaskThreshold = TimeSpan.Zero;
                }).AddCpuSchedMetrics(),
                o => (o.MaxProcessSeries, o.LegacyNames) = (1, true));
            var probe = host.Services.GetRequiredService<CpuSchedProbe>();
            // The shell waits in read: nothing of the group is recorded before this subscription.
            var readings = new ConcurrentQueue<RunQueueLatency>();
            using var subscription = probe.RunQueueLatency.Subscribe(new SampleObserver<RunQueueLatency>(readings.Enqueue));
            shell.StandardInput.WriteLine("go");
            shell.StandardInput.Flush();

            // Scrape every 50 ms through the workload and until a reading after its end has no key
            // left (every process pruned), then a few more times.
            var highest = new Dictionary<string, double>();
            var decreases = new List<string>();
            var scrapes = 0;
            var deadline = Stopwatch.StartNew();
            var afterPruning = 0;
            while (afterPruning < 5)
            {
                Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(60), "the workload did not end and get pruned within 60 s");
                var scrape = Scraped.Parse(host.Scrape());
                scrapes++;
                CheckNeverDecreases(scrape, highest, decreases);
                Assert.True(scrape.Named(Family + "_count").Count(s => s.Labels["comm"] != TopSeries.OtherComm) <= 1, "more per-process series than MaxProcessSeries");
                if (afterPruning > 0 || (shell.HasExited && readings.LastOrDefault() is { Histograms.Count: 0 } last && last.Timestamp > ExitTime(shell)))
                    afterPruning++;
                await Task.Delay(50, TestContext.Current.CancellationToken);
            }
            Assert.Equal(0, shell.ExitCode);
            await probe.DisposeAsync();
            var final = Scraped.Parse(host.Scrape());
            CheckNeverDecreases(final, highest, decreases);
            Assert.True(decreases.Count == 0, $"{decreases.Count} decreases in {scrapes} scrapes: {string.Join("; ", decreases.Take(5))}");

            // Ground truth: each key's last cumulative histogram as the probe published it.
            var perKey = readings.SelectMany(r => r.Histograms).GroupBy(h => h.Key).ToDictionary(g => g.Key, g => g.Last().Cumulative);
            var count = perKey.Values.Sum(h => (double)h.Count);
            var sum = perKey.Values.Sum(h => (double)h.Sum);
            output.WriteLine($"{scrapes} scrapes, {readings.Count} readings, {perKey.Count} processes, {count} latencies, {sum} µs");
            Assert.True(perKey.Count >= Loops * SleepsPerLoop, $"{perKey.Count} processes for {Loops * SleepsPerLoop} sleeps");
            Assert.True(count >= Loops * SleepsPerLoop, $"{count} latencies for {Loops * SleepsPerLoop} sleeps");

            // Every process is gone; the total still counts all of them.
            var legacy = new[] { ("res_type", "XM_Resource_PGID"), ("res_value", group.ToString(CultureInfo.InvariantCulture)), ("from", "xm_ebpf") };
            Assert.Equal(count, final.Value(LegacyFamily + "_count", legacy));
            Assert.Equal(sum, final.Value(LegacyFamily + "_sum", legacy), sum * 1e-12);

            // The per-process series is kept after its process exited, and with "other" adds up to the total.
            var series = final.Named(Family + "_count").ToList();
            var own = Assert.Single(series, s => s.Labels["comm"] != TopSeries.OtherComm);
            Assert.Equal((double)perKey[ulong.Parse(own.Labels["pid"], CultureInfo.InvariantCulture)].Count, own.Value);
            Assert.True(series.Single(s => s.Labels["comm"] == TopSeries.OtherComm).Value > 0);
            Assert.Equal(count, series.Sum(s => s.Value));
            Assert.Equal(sum / 1e6, final.Named(Family + "_sum").Sum(s => s.Value), sum * 1e-12);
            foreach (var legacyBucket in final.Named(LegacyFamily + "_bucket"))
            {
                var le = legacyBucket.Labels["le"];
                var inSeconds = le == "+Inf" ? double.PositiveInfinity : double.Parse(le, CultureInfo.InvariantCulture) / 1e6;
                var buckets = final.Named(Family + "_bucket").Where(b => b.Labels["le"] == "+Inf" ? inSeconds == double.PositiveInfinity : double.Parse(b.Labels["le"], CultureInfo.InvariantCulture) == inSeconds).ToList();
                Assert.Equal(series.Count, buckets.Count);
                Assert.Equal(legacyBucket.Value, buckets.Sum(b => b.Value));
            }
        }
        finally
        {
            if (!shell.HasExited)
                shell.Kill(entireProcessTree: true);
        }
    }

    private static DateTimeOffset ExitTime(Process process) => new(process.ExitTime.ToUniversalTime(), TimeSpan.Zero);

    /// <summary>Records every bucket, count and sum of the run-queue histograms that is below the highest value its series had.</summary>
    private static void CheckNeverDecreases(Scraped scrape, Dictionary<string, double> highest, List<string> decreases)
    {
        foreach (var sample in scrape.Samples.Where(s => s.Name.StartsWith(Family, StringComparison.Ordinal) || s.Name.StartsWith(LegacyFamily, StringComparison.Ordinal)))
        {
            var id = sample.Name + "{" + string.Join(",", sample.Labels.OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => $"{l.Key}={l.Value}")) + "}";
            if (highest.TryGetValue(id, out var before) && sample.Value < before)
                decreases.Add($"{id} {before} -> {sample.Value}");
            highest[id] = Math.Max(sample.Value, before);
        }
    }
}
