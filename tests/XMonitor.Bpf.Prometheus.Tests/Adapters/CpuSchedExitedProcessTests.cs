using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using XMonitor.Bpf.Probes;
using XMonitor.Bpf.Probes.CpuSched;
using XMonitor.Bpf.Probes.Tests;

namespace XMonitor.Bpf.Prometheus.Tests.Adapters;

/// <summary>
/// The probe forgets the histograms of exited processes and removed cgroups; the exported histograms
/// must not go down when it does, and must still count what those processes waited.
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
        var own = await ScrapeThroughPruningAsync(CpuSchedAggregation.Process, [], l => ulong.Parse(l["pid"], CultureInfo.InvariantCulture));
        Assert.Equal(["comm", "pid", "scope", "scope_value"], own.Labels.Keys.Order());
    }

    [Fact]
    public async Task Histograms_never_go_down_while_cgroups_are_removed_and_pruned()
    {
        BpfEnvironment.Require();
        if (Cgroups.V2Root is not { } root)
        {
            Assert.Skip("no cgroup v2 hierarchy mounted here");
            return;
        }
        // One cgroup for the shell, one per loop; made before the adapter's first walk of the hierarchy.
        var names = Enumerable.Range(0, Loops + 1).Select(_ => $"xmonitor-test-{Guid.NewGuid():N}").ToArray();
        var dirs = names.Select(n => Path.Combine(root, n)).ToArray();
        try
        {
            foreach (var dir in dirs)
                Directory.CreateDirectory(dir);
            var ids = names.ToDictionary(n => "/" + n, n => Cgroups.Inode(Path.Combine(root, n)));
            var own = await ScrapeThroughPruningAsync(CpuSchedAggregation.Cgroup, dirs, l => ids[l["cgroup"]]);
            // Its path was read while the cgroup existed and stays after its removal.
            Assert.Contains(own.Labels["cgroup"], names.Select(n => "/" + n));
        }
        finally
        {
            foreach (var dir in dirs)
                Cgroups.Remove(dir);
        }
    }

    /// <summary>
    /// Runs the workload: a shell in a process group of its own whose loops run SleepsPerLoop short
    /// sleep processes each. Every sleep is a new process that waits on a run queue when it starts
    /// and when it wakes, exits, and is pruned by the probe. With <paramref name="cgroups"/>, the
    /// shell runs in the first and each loop in one of the others, removed once the shell ended.
    /// Scrapes every 50 ms until every key is pruned, checks that nothing went down and that the
    /// series add up to every process's histogram, and returns the _count of the one per-key series.
    /// </summary>
    private async Task<ScrapedSample> ScrapeThroughPruningAsync(CpuSchedAggregation aggregation, string[] cgroups, Func<IReadOnlyDictionary<string, string>, ulong> keyOf)
    {
        var loop = $"for i in $(seq {SleepsPerLoop}); do sleep 0.02; done";
        var loops = cgroups.Length == 0
            ? $"for k in $(seq {Loops}); do ({loop}) & done; "
            : string.Concat(cgroups.Skip(1).Select(d => $"sh -c 'echo $$ > \"$0/cgroup.procs\"; {loop}' '{d}' & "));
        var start = new ProcessStartInfo("setsid") { RedirectStandardInput = true, RedirectStandardOutput = true };
        foreach (var a in new[] { "sh", "-c", $"echo $$; read go; {loops}wait" })
            start.ArgumentList.Add(a);
        using var shell = Process.Start(start)!;
        try
        {
            var group = int.Parse(shell.StandardOutput.ReadLine()!, CultureInfo.InvariantCulture);
            if (cgroups.Length > 0)
                File.WriteAllText(Path.Combine(cgroups[0], "cgroup.procs"), $"{group}\n");
            await using var host = await AdapterHost.StartAsync(
                s => s.AddCpuSchedProbe(o =>
                {
                    o.Interval = TimeSpan.FromMilliseconds(100);
                    o.Aggregation = aggregation;
                    o.Filter = ProcessFilter.ProcessGroup(group);
                    o.OffCpuThreshold = TimeSpan.Zero;
                    o.HungTaskThreshold = TimeSpan.Zero;
                }).AddCpuSchedMetrics(),
                o => (o.MaxProcessSeries, o.LegacyNames) = (1, true));
            var probe = host.Services.GetRequiredService<CpuSchedProbe>();
            // The shell waits in read: nothing of the group is recorded before this subscription.
            var readings = new ConcurrentQueue<RunQueueLatency>();
            using var subscription = probe.Samples.Subscribe(new SampleObserver<RunQueueLatency>(readings.Enqueue));
            shell.StandardInput.WriteLine("go");
            shell.StandardInput.Flush();

            // Scrape every 50 ms through the workload and until a reading after its end has no key
            // left (every process pruned), then a few more times.
            var highest = new Dictionary<string, double>();
            var decreases = new List<string>();
            var scrapes = 0;
            var deadline = Stopwatch.StartNew();
            var afterPruning = 0;
            DateTimeOffset? removed = null;
            while (afterPruning < 5)
            {
                Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(60), "the workload did not end and get pruned within 60 s");
                var scrape = Scraped.Parse(host.Scrape());
                scrapes++;
                CheckNeverDecreases(scrape, highest, decreases);
                Assert.True(scrape.Named(Family + "_count").Count(s => !IsOther(s)) <= 1, "more per-key series than MaxProcessSeries");
                if (shell.HasExited && removed is null)
                {
                    foreach (var dir in cgroups)
                        Cgroups.Remove(dir);
                    removed = DateTimeOffset.UtcNow;
                }
                if (afterPruning > 0 || (removed is { } gone && readings.LastOrDefault() is { Histograms.Count: 0 } last && last.Timestamp > gone))
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
            output.WriteLine($"{scrapes} scrapes, {readings.Count} readings, {perKey.Count} keys, {count} latencies, {sum} µs");
            Assert.True(perKey.Count >= (cgroups.Length == 0 ? Loops * SleepsPerLoop : cgroups.Length), $"{perKey.Count} keys");
            Assert.True(count >= Loops * SleepsPerLoop, $"{count} latencies for {Loops * SleepsPerLoop} sleeps");

            // Every process (and cgroup) is gone; the total still counts all of them.
            var legacy = new[] { ("res_type", "XM_Resource_PGID"), ("res_value", group.ToString(CultureInfo.InvariantCulture)), ("from", "xm_ebpf") };
            Assert.Equal(count, final.Value(LegacyFamily + "_count", legacy));
            Assert.Equal(sum, final.Value(LegacyFamily + "_sum", legacy), sum * 1e-12);

            // The per-key series is kept after its key left, and with "other" adds up to the total.
            var series = final.Named(Family + "_count").ToList();
            var own = Assert.Single(series, s => !IsOther(s));
            Assert.Equal((double)perKey[keyOf(own.Labels)].Count, own.Value);
            Assert.True(series.Single(IsOther).Value > 0);
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
            return own;
        }
        finally
        {
            if (!shell.HasExited)
                shell.Kill(entireProcessTree: true);
        }
    }

    private static bool IsOther(ScrapedSample sample)
        => sample.Labels.GetValueOrDefault("comm") == TopSeries.OtherComm || sample.Labels.GetValueOrDefault("cgroup") == TopSeries.OtherComm;

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
