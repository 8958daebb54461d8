using XMonitor.Bpf.Probes.CpuSched;

namespace XMonitor.Bpf.Probes.Tests;

/// <summary>In-kernel filters: two identical workloads run side by side, and only the filtered one is seen.</summary>
public sealed class FilterTests(ITestOutputHelper output)
{
    // Sleeps of 20 ms against an off-CPU threshold of 10 ms: every sleep of the filtered workload
    // yields one off-CPU record and one run-queue latency, so both channels are checked.
    private static readonly string[] SleeperArgs = ["sleeper", "2", "20", "1000"];

    [Fact]
    public void APidFilterSeesOnlyThatProcess()
    {
        using var seen = Workload.Start(SleeperArgs);
        using var other = Workload.Start(SleeperArgs);
        using var run = new ProbeRun(Options(ProcessFilter.Pid(seen.Pid), CpuSchedAggregation.Process));

        var iterations = RunBoth(seen, other);
        run.Stop();

        var histogram = OnlyKey(run);
        Assert.Equal((ulong)seen.Pid, histogram.Key);
        AssertOnlyFrom(run, seen.Pid, iterations, histogram.Cumulative);
    }

    [Fact]
    public void AProcessGroupFilterSeesOnlyThatGroup()
    {
        // The seen workload leads a group of its own; the other stays in the test host's group.
        using var seen = Workload.Start(newProcessGroup: true, [], SleeperArgs);
        using var other = Workload.Start(SleeperArgs);
        using var run = new ProbeRun(Options(ProcessFilter.ProcessGroup(seen.Pid), CpuSchedAggregation.Process));

        var iterations = RunBoth(seen, other);
        run.Stop();

        var histogram = OnlyKey(run);
        Assert.Equal((ulong)seen.Pid, histogram.Key);
        AssertOnlyFrom(run, seen.Pid, iterations, histogram.Cumulative);
    }

    [Fact]
    public void APidNamespaceFilterSeesOnlyThatNamespace()
    {
        // unshare runs the workload as pid 1 of a new pid namespace; the kernel reports it by its
        // pid in the initial namespace, which is the launcher's child.
        using var seen = Workload.Start(newProcessGroup: false, ["unshare", "--pid", "--fork"], SleeperArgs);
        Assert.Equal(1, seen.Pid);
        var hostPid = int.Parse(File.ReadAllText($"/proc/{seen.LauncherPid}/task/{seen.LauncherPid}/children").Trim());
        using var other = Workload.Start(SleeperArgs);
        var filter = ProcessFilter.PidNamespaceOf(hostPid);
        Assert.NotEqual(ProcessFilter.PidNamespaceOf(Environment.ProcessId).Value, filter.Value);
        using var run = new ProbeRun(Options(filter, CpuSchedAggregation.Process));

        var iterations = RunBoth(seen, other);
        run.Stop();

        var histogram = OnlyKey(run);
        Assert.Equal((ulong)hostPid, histogram.Key);
        AssertOnlyFrom(run, hostPid, iterations, histogram.Cumulative);
    }

    [Theory]
    [InlineData(CgroupHierarchy.Unified)]
    [InlineData(CgroupHierarchy.MemoryV1)]
    public void ACgroupFilterSeesOnlyThatCgroup(CgroupHierarchy hierarchy)
    {
        var root = hierarchy == CgroupHierarchy.Unified ? Cgroups.V2Root : Cgroups.MemoryV1Root;
        if (root is null)
        {
            Assert.Skip($"no {hierarchy} cgroup hierarchy mounted here");
            return;
        }
        var dir = Path.Combine(root, $"xmonitor-test-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        try
        {
            using var seen = Workload.Start(SleeperArgs);
            using var other = Workload.Start(SleeperArgs);
            File.WriteAllText(Path.Combine(dir, "cgroup.procs"), $"{seen.Pid}\n");
            var filter = ProcessFilter.Cgroup(dir);
            var id = Cgroups.Inode(dir);
            Assert.Equal(id, filter.Value);
            Assert.Equal(hierarchy, filter.Hierarchy);
            using var run = new ProbeRun(Options(filter, CpuSchedAggregation.Cgroup));

            var iterations = RunBoth(seen, other);
            run.Stop();

            var histogram = OnlyKey(run);
            Assert.Equal(id, histogram.Key);
            AssertOnlyFrom(run, seen.Pid, iterations, histogram.Cumulative);
            Assert.All(run.OffCpu.Items, e => Assert.Equal(id, e.CgroupId));
        }
        finally
        {
            // rmdir succeeds once the workload has exited and left the cgroup empty.
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
    }

    private static CpuSchedOptions Options(ProcessFilter filter, CpuSchedAggregation aggregation) => new()
    {
        Interval = TimeSpan.FromMilliseconds(250),
        Filter = filter,
        Aggregation = aggregation,
        OffCpuThreshold = TimeSpan.FromMilliseconds(10),
        HungTaskThreshold = TimeSpan.Zero,
    };

    private static long RunBoth(Workload seen, Workload other)
    {
        seen.Go();
        other.Go();
        var iterations = long.Parse(seen.WaitForExit(TimeSpan.FromSeconds(20)).Single(l => l.StartsWith("iterations ", StringComparison.Ordinal))[11..]);
        other.WaitForExit(TimeSpan.FromSeconds(20));
        return iterations;
    }

    /// <summary>
    /// The latest histogram of the one key every reading holds. A process's key is published once
    /// more after the process exits, then deleted from the kernel's map, so the probe's last
    /// reading may no longer have it.
    /// </summary>
    private static RunQueueLatencyHistogram OnlyKey(ProbeRun run)
    {
        var all = run.Latency.Items.SelectMany(r => r.Histograms).ToList();
        Assert.NotEmpty(all);
        Assert.Single(all.Select(h => h.Key).Distinct());
        return all[^1];
    }

    private void AssertOnlyFrom(ProbeRun run, int pid, long iterations, Log2Histogram histogram)
    {
        var events = run.OffCpu.Items;
        output.WriteLine($"{iterations} sleeps; {histogram.Count} latencies; {events.Count} off-CPU events ({string.Join(", ", events.GroupBy(e => e.ThreadId).Select(g => $"tid {g.Key}: {g.Count()}"))}), from pids {string.Join(",", events.Select(e => e.ProcessId).Distinct())}");
        Assert.All(events, e => Assert.Equal(pid, e.ProcessId));
        // Each 20 ms sleep is one off-CPU record over 10 ms; the main thread's wait for the
        // threads (1 s) adds one, a preemption of it over 10 ms on this loaded machine another;
        // the stdin wait started before the probe. None may be missing: a sleep whose switch-in
        // the kernel side did not see (a few in a hundred runs) is still reported, ended by the
        // thread's CPU time, when the thread leaves the CPU again.
        Assert.InRange(events.Count, iterations, iterations + 3);
        // Every sleep is one latency at least. The threads of both workloads wake at the same
        // instants and contend for 2 CPUs, so a woken thread is often preempted once and waits a
        // second time (seen: 96 sleeps, 136 latencies); twice the sleeps bounds that.
        Assert.InRange((long)histogram.Count, iterations, (2 * iterations) + 10);
    }
}
