using XMonitor.Bpf.Probes.BioLatency;
using XMonitor.Bpf.Probes.CacheStat;
using XMonitor.Bpf.Probes.CpuSched;
using XMonitor.Bpf.Probes.FsLatency;
using XMonitor.Bpf.Probes.Napi;
using XMonitor.Bpf.Probes.OomKill;
using XMonitor.Bpf.Probes.ProcessVm;

namespace XMonitor.Bpf.Probes.Tests;

/// <summary>
/// The runtime fallback of every probe: the kernel refusing the first choice (forced through the
/// test seam, as an older verifier or an untraceable function would) makes the probe log it and
/// start with the next strategy the kernel offers, and the choice names the failure. A probe with
/// a single candidate, or a forced strategy, surfaces the error instead.
/// </summary>
public sealed class StrategyFallbackTests(ITestOutputHelper output)
{
    public static TheoryData<string> Probes => ["cpu_sched", "cache_stat", "process_vm", "oom_kill", "bio_latency", "napi", "fs_latency"];

    [Theory]
    [MemberData(nameof(Probes))]
    public void The_first_choice_refused_the_probe_starts_with_the_next_one(string name)
    {
        BpfEnvironment.Require();
        BpfAttachChoice first;
        using (var probe = Create(name, forced: false))
        {
            probe.Start();
            first = probe.Choice()!;
        }
        Assert.Empty(first.Failures);
        output.WriteLine($"first choice: {first}");

        BpfAttachRefusal.ForTests.Value = first.Name;
        try
        {
            using var probe = Create(name, forced: false);
            // CacheStat and NFS latency have a second candidate only where the kernel has fentry or
            // kprobes; the others always have one (raw_tp, plain tracepoints, no second hook).
            var hasNext = name is not ("cache_stat" or "fs_latency")
                || KernelStrategies.Offers(BpfAttachKind.Fentry) || KernelStrategies.Offers(BpfAttachKind.Kprobe);
            if (!hasNext)
            {
                // One candidate: nothing to fall back to, the refusal is the error.
                var e = Assert.Throws<BpfException>(probe.Start);
                Assert.Contains("refused by the test seam", e.Message);
                Assert.False(probe.IsRunning());
                return;
            }
            probe.Start();
            var next = probe.Choice()!;
            output.WriteLine($"after refusing {first.Name}: {next}");
            Assert.True(probe.IsRunning());
            Assert.NotEqual(first.Name, next.Name);
            var failure = Assert.Single(next.Failures);
            Assert.Equal(first.Name, failure.Name);
            Assert.Contains("refused by the test seam", failure.Error);
            Assert.Contains($"after {first.Name} failed", next.ToString());
        }
        finally
        {
            BpfAttachRefusal.ForTests.Value = null;
        }
    }

    [Fact]
    public void A_forced_strategy_the_kernel_refuses_is_the_error()
    {
        BpfEnvironment.Require();
        BpfAttachRefusal.ForTests.Value = "raw_tp";
        try
        {
            using var probe = new CpuSchedProbe(new CpuSchedOptions { AttachStrategy = BpfAttachKind.RawTracepoint });
            var e = Assert.Throws<BpfException>(probe.Start);
            Assert.Contains("refused by the test seam", e.Message);
            Assert.False(probe.IsRunning);
            Assert.Null(probe.StrategyChoice);
        }
        finally
        {
            BpfAttachRefusal.ForTests.Value = null;
        }
    }

    private static ProbeUnderTest Create(string name, bool forced) => name switch
    {
        "cpu_sched" => Wrap(new CpuSchedProbe(new CpuSchedOptions()), p => p.Start(), p => p.StrategyChoice, p => p.IsRunning),
        "cache_stat" => Wrap(new CacheStatProbe(new CacheStatOptions()), p => p.Start(), p => p.StrategyChoice, p => p.IsRunning),
        "process_vm" => Wrap(new ProcessVmProbe(new ProcessVmOptions()), p => p.Start(), p => p.StrategyChoice, p => p.IsRunning),
        "oom_kill" => Wrap(new OomKillProbe(new OomKillOptions()), p => p.Start(), p => p.StrategyChoice, p => p.IsRunning),
        "bio_latency" => Wrap(new BioLatencyProbe(new BioLatencyOptions()), p => p.Start(), p => p.StrategyChoice, p => p.IsRunning),
        "napi" => Wrap(new NapiProbe(new NapiOptions { MeasurePollTime = true }), p => p.Start(), p => p.StrategyChoice, p => p.IsRunning),
        "fs_latency" => Wrap(new FsLatencyProbe(new FsLatencyOptions()), p => p.Start(), p => p.StrategyChoice, p => p.IsRunning),
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, forced ? "forced" : "auto"),
    };

    private static ProbeUnderTest Wrap<T>(T probe, Action<T> start, Func<T, BpfAttachChoice?> choice, Func<T, bool> running)
        where T : IDisposable
        => new(probe, () => start(probe), () => choice(probe), () => running(probe));

    private sealed record ProbeUnderTest(IDisposable Probe, Action Start, Func<BpfAttachChoice?> Choice, Func<bool> IsRunning) : IDisposable
    {
        public void Dispose() => Probe.Dispose();
    }
}
