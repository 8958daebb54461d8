using XMonitor.Bpf.Probes.CpuSched;

namespace XMonitor.Bpf.Probes.Tests;

/// <summary>
/// Per-process and per-cgroup histograms of processes and cgroups that are gone leave the kernel's
/// map: published once more with their last delta, then never again.
/// </summary>
public sealed class HistogramPruningTests(ITestOutputHelper output)
{
    private static readonly string[] ShortSleeper = ["sleeper", "2", "20", "300"];

    [Fact]
    public void AnExitedProcessIsPublishedOnceMoreThenLeavesTheMap()
    {
        using var workload = Workload.Start(ShortSleeper);
        using var run = new ProbeRun(Options(CpuSchedAggregation.Process));
        workload.Go();
        var iterations = Iterations(workload.WaitForExit(TimeSpan.FromSeconds(20)));
        // WaitForExit reaped the process: /proc/PID is gone from here on.
        Assert.False(Directory.Exists($"/proc/{workload.Pid}"));

        AssertPublishedThenPruned(run, (ulong)workload.Pid, iterations);
    }

    [Fact]
    public void ARemovedCgroupIsPublishedOnceMoreThenLeavesTheMap()
    {
        if (Cgroups.V2Root is not { } root)
        {
            Assert.Skip("no cgroup v2 hierarchy mounted here");
            return;
        }
        var dir = Path.Combine(root, $"xmonitor-test-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        var id = Cgroups.Inode(dir);
        long iterations;
        using var run = new ProbeRun(Options(CpuSchedAggregation.Cgroup));
        try
        {
            using var workload = Workload.Start(ShortSleeper);
            File.WriteAllText(Path.Combine(dir, "cgroup.procs"), $"{workload.Pid}\n");
            workload.Go();
            iterations = Iterations(workload.WaitForExit(TimeSpan.FromSeconds(20)));
        }
        finally
        {
            // rmdir succeeds once the exited workload has left the cgroup.
            for (var i = 0; i < 50 && Directory.Exists(dir); i++)
            {
                try
                {
                    Directory.Delete(dir);
                }
                catch (IOException)
                {
                    Thread.Sleep(100);
                }
            }
        }
        Assert.False(Directory.Exists(dir));

        AssertPublishedThenPruned(run, id, iterations);
    }

    private static CpuSchedOptions Options(CpuSchedAggregation aggregation) => new()
    {
        Interval = TimeSpan.FromMilliseconds(100),
        Aggregation = aggregation,
        OffCpuThreshold = TimeSpan.Zero,
        HungTaskThreshold = TimeSpan.Zero,
    };

    private static long Iterations(IReadOnlyList<string> lines)
        => long.Parse(lines.Single(l => l.StartsWith("iterations ", StringComparison.Ordinal))[11..]);

    private void AssertPublishedThenPruned(ProbeRun run, ulong key, long iterations)
    {
        // The process or cgroup is gone now; three more readings (at 100 ms) include the one that
        // notices it and at least two after the deletion. 5 s of slack for a loaded machine.
        var gone = run.Latency.Items.Count;
        Assert.NotNull(run.Latency.WaitFor(_ => run.Latency.Items.Count >= gone + 3, TimeSpan.FromSeconds(5)));
        var readings = run.Latency.Items;
        run.Stop();

        var withKey = readings.Select((r, i) => (Index: i, Histogram: r.Histograms.SingleOrDefault(h => h.Key == key))).Where(x => x.Histogram is not null).ToList();
        Assert.NotEmpty(withKey);
        var lastIndex = withKey[^1].Index;
        var final = withKey[^1].Histogram!.Cumulative;
        var deltas = withKey.Aggregate(0UL, (n, x) => n + x.Histogram!.Delta.Count);
        output.WriteLine($"key {key}: {iterations} sleeps, {final.Count} latencies in {withKey.Count} readings, last in reading {lastIndex} of {readings.Count}");
        // Pruned: no reading after the one that published it last, which came after the exit.
        Assert.True(lastIndex < readings.Count - 1, $"key {key} is still in the last of {readings.Count} readings");
        Assert.True(lastIndex >= gone - 1, $"key {key} left at reading {lastIndex}, before the process was gone (reading {gone})");
        // Nothing of it was lost: its deltas add up to its last cumulative histogram, which holds
        // every sleep (each a wakeup and a latency; thread starts and joins add a few more).
        Assert.Equal(final.Count, deltas);
        Assert.True((long)final.Count >= iterations, $"{final.Count} latencies for {iterations} sleeps");
    }
}
