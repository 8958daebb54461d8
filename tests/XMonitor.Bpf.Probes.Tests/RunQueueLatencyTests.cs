using XMonitor.Bpf.Probes.CpuSched;

namespace XMonitor.Bpf.Probes.Tests;

/// <summary>Run-queue latency histograms against workloads whose wakeups the test counts itself.</summary>
public sealed class RunQueueLatencyTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(ProbeAttachStrategy.BtfRawTracepoint)]
    [InlineData(ProbeAttachStrategy.RawTracepoint)]
    public void CountsOneLatencyPerSleepOfTheFilteredProcess(ProbeAttachStrategy strategy)
    {
        const int threads = 4;
        using var sleeper = Workload.Start("sleeper", $"{threads}", "50", "2000");
        using var run = new ProbeRun(new CpuSchedOptions
        {
            Interval = TimeSpan.FromMilliseconds(200),
            Filter = ProcessFilter.Pid(sleeper.Pid),
            OffCpuThreshold = TimeSpan.Zero,
            HungTaskThreshold = TimeSpan.Zero,
            AttachStrategy = strategy,
        });
        Assert.Equal(strategy, run.Probe.AttachStrategy);

        sleeper.Go();
        var iterations = long.Parse(sleeper.WaitForExit(TimeSpan.FromSeconds(20)).Single(l => l.StartsWith("iterations ", StringComparison.Ordinal))[11..]);
        var last = run.Stop();

        var histogram = Assert.Single(last.Histograms);
        Assert.Equal(0UL, histogram.Key);
        var total = histogram.Cumulative;
        output.WriteLine($"{strategy}: {iterations} sleeps of 50 ms in {threads} threads, {total.Count} run-queue latencies, mean {total.Mean:0.0} us\n{total.ToText()}");
        // Every finished sleep is one wakeup and one latency. On top of those come at most: the main
        // thread's wakeup from its stdin read, one wakeup_new per thread, one wakeup per
        // pthread_join (2 per thread + 5), and a second wait when a woken thread is preempted:
        // the 4 threads wake at the same instants on 2 CPUs, which this shared machine also
        // runs other work on (seen: 153 sleeps, 161 latencies); 15% bounds that.
        Assert.InRange((long)total.Count, iterations, iterations + (2 * threads) + 5 + (iterations * 15 / 100));
        // 4 threads x 2000 ms / 50 ms = 160 sleeps if each took exactly 50 ms; timer slack and
        // scheduling make each a little longer, never shorter.
        Assert.InRange(iterations, 120, 164);
        // The deltas of every interval add up to the cumulative histogram.
        var deltas = run.Latency.Items.SelectMany(r => r.Histograms).Aggregate(0UL, (n, h) => n + h.Delta.Count);
        Assert.Equal(total.Count, deltas);
        Assert.True(run.Latency.Items.Count >= 5, $"{run.Latency.Items.Count} readings in ~2 s at 200 ms");
    }

    [Fact]
    public void LatenciesGrowWhenTheCpusAreOversubscribed()
    {
        // This shared VM's latencies swing by milliseconds with what else runs on it and its host,
        // so "quiet" and "oversubscribed" are not measured minutes apart but interleaved: six
        // spinning threads share the sleeper's CPU and are stopped (SIGSTOP) and resumed
        // (SIGCONT) every other 1 s interval, and the interval deltas are added up per phase.
        // Background noise falls on both phases alike; the spinners only on one. Sleeper and
        // spinners run at nice -20, where tasks at nice 0 weigh ~1% of them. A SCHED_IDLE spinner
        // keeps the CPU from going idle while the others are stopped (an idle vCPU is descheduled
        // by the host, and waking it can take milliseconds), without competing: any other task
        // preempts it at once.
        var cpu = $"{Environment.ProcessorCount - 1}";
        string[] isolated = ["nice", "-n", "-20", "taskset", "-c", cpu];
        using var keepAwake = Workload.Start(newProcessGroup: false, ["chrt", "-i", "0", "taskset", "-c", cpu], "spin", "1", "60000");
        using var spin = Workload.Start(newProcessGroup: false, isolated, "spin", "6", "60000");
        using var sleeper = Workload.Start(newProcessGroup: false, isolated, "sleeper", "4", "10", "8000");
        keepAwake.Go();
        spin.Go();
        Assert.Equal(0, Signal(spin.Pid, SigStop));

        var quiet = new List<Log2Histogram>();
        var loaded = new List<Log2Histogram>();
        var spinning = false;
        using var run = new ProbeRun(new CpuSchedOptions
        {
            Interval = TimeSpan.FromSeconds(1),
            Filter = ProcessFilter.Pid(sleeper.Pid),
            OffCpuThreshold = TimeSpan.Zero,
            HungTaskThreshold = TimeSpan.Zero,
        });
        using var phases = run.Probe.RunQueueLatency.Subscribe(new Observer<RunQueueLatency>(reading =>
        {
            // The reading closes the interval that ran in the current phase; then switch phase.
            if (reading.Histograms.Count == 1)
                (spinning ? loaded : quiet).Add(reading.Histograms[0].Delta);
            spinning = !spinning;
            Signal(spin.Pid, spinning ? SigCont : SigStop);
        }));
        sleeper.Go();
        sleeper.WaitForExit(TimeSpan.FromSeconds(20));
        Signal(spin.Pid, SigCont);
        run.Stop();

        var idle = Stats(quiet);
        var busy = Stats(loaded);
        output.WriteLine($"spinners stopped: {idle}\nspinners running: {busy}");
        Assert.True(quiet.Count >= 3 && loaded.Count >= 3, $"{quiet.Count} quiet and {loaded.Count} loaded intervals");
        // With nothing else allowed on its CPU a woken sleeper waits microseconds; behind six
        // busy threads it sometimes waits for a busy thread's time slice, milliseconds (EEVDF
        // lets most wakeups of a sleeper preempt at once). Seen in three runs: mean 98 -> 223,
        // 189 -> 506, 108 -> 642 us, and always more waits of 1 ms or more. The factor 1.5 is
        // below the least ratio seen (2.3) and well above 1, which is "no effect".
        Assert.True(busy.Mean > 1.5 * idle.Mean, $"mean latency quiet {idle.Mean:0.0} us, oversubscribed {busy.Mean:0.0} us");
        Assert.True(busy.SlowShare > idle.SlowShare, $"share of waits >= 1 ms quiet {idle.SlowShare:P1}, oversubscribed {busy.SlowShare:P1}");
    }

    private const int SigCont = 18;
    private const int SigStop = 19;

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "kill")]
    private static extern int Signal(int pid, int signal);

    private static LatencyStats Stats(IEnumerable<Log2Histogram> intervals)
    {
        ulong count = 0, sum = 0, slow = 0;
        foreach (var h in intervals)
        {
            count += h.Count;
            sum += h.Sum;
            slow += h.Buckets.Where(b => b.Low >= 1024).Aggregate(0UL, (n, b) => n + b.Count);
        }
        return new LatencyStats(count, count == 0 ? 0 : (double)sum / count, count == 0 ? 0 : (double)slow / count);
    }

    private readonly record struct LatencyStats(ulong Count, double Mean, double SlowShare);
}
