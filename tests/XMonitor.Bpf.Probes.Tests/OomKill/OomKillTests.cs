using System.Diagnostics;
using XMonitor.Bpf.Probes.OomKill;

namespace XMonitor.Bpf.Probes.Tests;

/// <summary>A real OOM kill in a memory cgroup, seen by the probe and checked against what the test set up.</summary>
public sealed class OomKillTests(ITestOutputHelper output)
{
    private const long Limit = 64L << 20;
    private const int OomScoreAdjust = 500;

    /// <summary>The automatic choice, then each hook forced: mark_victim's two strategies, oom_kill_process()'s two.</summary>
    public static TheoryData<BpfAttachKind?, BpfAttachKind?> Strategies => new()
    {
        { null, null },
        { BpfAttachKind.Tracepoint, null },
        { BpfAttachKind.BtfRawTracepoint, null },
        { null, BpfAttachKind.Fentry },
        { null, BpfAttachKind.Kprobe },
    };

    [Theory]
    [MemberData(nameof(Strategies))]
    public void AMemoryCgroupOomKillIsReportedWithTheVictimItsCgroupAndWhatItHeld(BpfAttachKind? victimStrategy, BpfAttachKind? controlStrategy)
    {
        BpfEnvironment.Require();
        if (victimStrategy == BpfAttachKind.BtfRawTracepoint && !MarkVictimPassesTask())
            Assert.Skip("mark_victim passes the victim's task_struct, which tp_btf needs, from 6.8 on (or where backported)");
        if (controlStrategy is { } forced && !KernelStrategies.Offers(forced))
            Assert.Skip($"the kernel does not offer {forced.SectionPrefix()}");
        using var cgroup = MemoryCgroupOom.Create(Limit);
        var dir = cgroup.Directory;
        var id = cgroup.Id;
        using var probe = new OomKillProbe(new OomKillOptions { AttachStrategy = victimStrategy, OomControlStrategy = controlStrategy });
        var kills = new Collector<OomKillEvent>();
        probe.Events.Subscribe(kills);
        probe.Start();
        output.WriteLine($"strategy {probe.StrategyChoice}");
        if (victimStrategy is { } victimForced)
            Assert.Equal(victimForced, probe.AttachStrategy);
        if (controlStrategy is { } controlForced)
            Assert.Equal(controlForced, probe.OomControlStrategy);

        // The shell moves itself into the cgroup and then becomes the hog: every byte it touches is charged there.
        var victim = cgroup.StartHog(OomScoreAdjust);
        var pid = victim.Id;

        var e = kills.WaitFor(k => k.ThreadId == pid, TimeSpan.FromSeconds(30));
        Assert.True(victim.WaitForExit(TimeSpan.FromSeconds(30)), "the hog was not killed");
        var stdout = victim.StandardOutput.ReadToEnd();
        output.WriteLine($"hog exit {victim.ExitCode}, stdout '{stdout.Trim()}', stderr '{victim.StandardError.ReadToEnd().Trim()}'");
        Assert.NotNull(e);
        output.WriteLine(e.ToString());

        // SIGKILL from the OOM killer: the shell's exit code 128 + 9; the test host is alive to see it.
        Assert.Equal(137, victim.ExitCode);
        Assert.DoesNotContain("survived", stdout);
        Assert.NotEqual(Environment.ProcessId, e.ProcessId);
        Assert.Equal(pid, e.ThreadId);
        Assert.Equal(pid, e.ProcessId);
        Assert.Equal("xmon-memhog", e.Command);
        Assert.Equal(0u, e.UserId);
        Assert.Equal(OomScoreAdjust, e.OomScoreAdjust);
        Assert.Equal(id, e.MemoryCgroupId);
        Assert.Equal(Path.GetFileName(dir), e.MemoryCgroupName);
        Assert.Equal(dir, e.MemoryCgroupPath);
        Assert.Equal(OomConstraint.MemoryCgroup, e.Constraint);
        Assert.Equal(id, e.OomMemoryCgroupId);
        Assert.Equal(dir, e.OomMemoryCgroupPath);
        Assert.Equal((ulong)Limit, e.MemoryCgroupLimitBytes);
        // The hog allocates itself into the OOM: it is the trigger too.
        Assert.Equal(pid, e.TriggerThreadId);
        Assert.Equal("xmon-memhog", e.TriggerCommand);

        // Usage is within the probe's slack (512 pages = 2 MiB) of the limit, or the cgroup would not count as full.
        Assert.InRange(e.MemoryCgroupUsageBytes, (ulong)Limit - (2UL << 20), (ulong)Limit);
        // The hog's own pages are most of what the cgroup is charged: its touched anonymous pages
        // plus page tables and the stack (file pages of libc are charged to whoever read them first).
        // The RSS counter is a percpu_counter read without summing: it may be off by up to one
        // batch, max(32, 2 x CPUs) pages, per CPU.
        var cpus = (ulong)Environment.ProcessorCount;
        var slack = cpus * Math.Max(32UL, 2 * cpus) * (ulong)Environment.SystemPageSize;
        Assert.InRange(e.AnonRssBytes, (ulong)Limit - (4UL << 20), (ulong)Limit + slack);
        // 300 MiB mapped at once, plus the program and libc.
        Assert.InRange(e.TotalVmBytes, 300UL << 20, 310UL << 20);
        Assert.InRange(e.PageTableBytes, 1UL, 1UL << 20);
        Assert.Equal(0UL, e.SwapBytes);

        if (probe.OomControlStrategy is null)
        {
            Assert.True(e.ConstraintInferred);
            Assert.Null(e.Points);
            Assert.Equal(OomKillEventSources.VictimTask | OomKillEventSources.ConstraintInferred, e.Sources);
        }
        else
        {
            Assert.False(e.ConstraintInferred);
            Assert.NotNull(e.Points);
            Assert.Equal("Memory cgroup out of memory", e.Message);
        }

        Assert.Equal(1UL, probe.GetKillsPerCgroup()[id]);
        probe.Dispose();
        Assert.True(kills.IsCompleted);
        Assert.Equal(1UL, probe.GetKillsPerCgroup()[id]);
        Assert.Single(kills.Items, k => k.MemoryCgroupId == id);
    }

    /// <summary>
    /// BCC's oomkill (libbpf-tools) and the probe attached at once see the same kill: the same
    /// victim and trigger, and BCC's page count (the OOM's totalpages) is the cgroup's limit.
    /// Where the kernel lacks kprobes BCC's tool cannot run (see the test below).
    /// </summary>
    [Fact]
    public void BccOomkillSeesTheSameKill()
    {
        BpfEnvironment.Require();
        if (!KernelFeatures.IsSupported(KernelFeature.Kprobe))
            Assert.Skip("BCC's oomkill needs kprobes, which this kernel lacks");
        using var cgroup = MemoryCgroupOom.Create(Limit);
        using var probe = new OomKillProbe(new OomKillOptions());
        var kills = new Collector<OomKillEvent>();
        probe.Events.Subscribe(kills);
        probe.Start();
        // oomkill prints "Tracing OOM kills... Ctrl-C to stop." once attached.
        using var bcc = BccTool.Start("oomkill", "Tracing");
        var victim = cgroup.StartHog(OomScoreAdjust);
        var e = kills.WaitFor(k => k.ThreadId == victim.Id, TimeSpan.FromSeconds(30));
        Assert.NotNull(e);
        var line = bcc.ReadLine(TimeSpan.FromSeconds(10));
        output.WriteLine($"BCC: {line}");
        output.WriteLine($"probe: {e}");
        // "HH:MM:SS Triggered by PID 123 ("xmon-memhog"), OOM kill of PID 123 ("xmon-memhog"), 16384 pages, loadavg: ..."
        var match = System.Text.RegularExpressions.Regex.Match(line ?? "", @"Triggered by PID (\d+) \(""([^""]*)""\), OOM kill of PID (\d+) \(""([^""]*)""\), (\d+) pages");
        Assert.True(match.Success, $"unexpected oomkill output: {line}");
        Assert.Equal(e.TriggerThreadId, int.Parse(match.Groups[1].Value));
        Assert.Equal(e.TriggerCommand, match.Groups[2].Value);
        Assert.Equal(e.ThreadId, int.Parse(match.Groups[3].Value));
        Assert.Equal(e.Command, match.Groups[4].Value);
        Assert.Equal(e.MemoryCgroupLimitBytes / (ulong)Environment.SystemPageSize, ulong.Parse(match.Groups[5].Value));
    }

    [Fact]
    public void OnThisKernelTheTracepointStrategiesAreChosenAndTheOthersRefusedClearly()
    {
        BpfEnvironment.Require();
        using var probe = new OomKillProbe(new OomKillOptions());
        probe.Start();
        var expectedVictim = KernelFeatures.IsSupported(KernelFeature.BtfRawTracepoint) && MarkVictimPassesTask()
            ? BpfAttachKind.BtfRawTracepoint
            : BpfAttachKind.Tracepoint;
        Assert.Equal(expectedVictim, probe.AttachStrategy);
        var expectedControl = KernelFeatures.IsSupported(KernelFeature.Fentry) ? BpfAttachKind.Fentry
            : KernelFeatures.IsSupported(KernelFeature.Kprobe) ? BpfAttachKind.Kprobe
            : (BpfAttachKind?)null;
        Assert.Equal(expectedControl, probe.OomControlStrategy);
        var ids = probe.GetProgramStatistics().Values.Select(s => s.Id).ToList();
        Assert.Equal(expectedControl is null ? 1 : 2, ids.Count);
        KernelPrograms.AssertGoneAfter(ids, probe.Dispose);

        foreach (var missing in new[] { KernelFeature.Fentry, KernelFeature.Kprobe }.Where(f => !KernelFeatures.IsSupported(f)))
        {
            var strategy = missing == KernelFeature.Fentry ? BpfAttachKind.Fentry : BpfAttachKind.Kprobe;
            using var forced = new OomKillProbe(new OomKillOptions { OomControlStrategy = strategy });
            var e = Assert.Throws<BpfNotSupportedException>(forced.Start);
            output.WriteLine(e.Message);
            Assert.Contains(strategy.SectionPrefix(), e.Message);
            Assert.False(forced.IsRunning);
        }
    }

    [Fact]
    public void TheTracepointStrategyLoadsAndAttachesToo()
    {
        BpfEnvironment.Require();
        using var probe = new OomKillProbe(new OomKillOptions { AttachStrategy = BpfAttachKind.Tracepoint });
        probe.Start();
        Assert.Equal(BpfAttachKind.Tracepoint, probe.AttachStrategy);
        Assert.Contains("tp_mark_victim", probe.GetProgramStatistics().Keys);
    }

    /// <summary>
    /// Whether oom:mark_victim is the 6.8 version, which passes the task (and records its comm): its
    /// tracefs format says so independently of the BTF the probe checks. Debian's 6.1 has it backported.
    /// </summary>
    private static bool MarkVictimPassesTask()
        => KernelFeatures.TracefsPath is { } tracefs
            && File.ReadAllText(Path.Combine(tracefs, "events", "oom", "mark_victim", "format")).Contains("comm", StringComparison.Ordinal);

    [Fact]
    public void TheKernelSidesEnumsHaveThePublicValues()
    {
        foreach (var value in Enum.GetValues<OomkillSkeleton.OomkillConstraint>())
            Assert.Equal(value.ToString().Replace("Memcg", "MemoryCgroup"), ((OomConstraint)value).ToString());
        Assert.Equal(Enum.GetValues<OomkillSkeleton.OomkillConstraint>().Length, Enum.GetValues<OomConstraint>().Length);
        foreach (var value in Enum.GetValues<OomkillSkeleton.OomkillEventFlags>())
            Assert.Equal(value.ToString(), ((OomKillEventSources)value).ToString());
    }

    [Fact]
    public void BadOptionsAreNamedOnStart()
    {
        using var probe = new OomKillProbe(new OomKillOptions
        {
            AttachStrategy = BpfAttachKind.RawTracepoint,
            OomControlStrategy = BpfAttachKind.Tracepoint,
            MemcgFullSlackPages = OomKillOptions.MaxMemcgFullSlackPages + 1,
        });
        var e = OptionsAssert.StartRefuses(probe.Start, "AttachStrategy RawTracepoint is not available");
        Assert.Contains("OomControlStrategy Tracepoint is not available", e.Message);
        Assert.Contains("MemcgFullSlackPages must be at most", e.Message);
        Assert.Null(probe.AttachStrategy);
    }

    /// <summary>BCC's oomkill hooks oom_kill_process() with a kprobe only, so it cannot run on a kernel without kprobes; this probe does.</summary>
    [Fact]
    public void BccOomkillFailsToLoadHereWhereTheProbeRuns()
    {
        BpfEnvironment.Require();
        if (Tool.Find("oomkill") is not { } oomkill)
        {
            Assert.Skip("BCC's oomkill (Debian package libbpf-tools) is not installed");
            return;
        }
        if (KernelFeatures.IsSupported(KernelFeature.Kprobe))
        {
            Assert.Skip("this kernel has kprobes: BCC's oomkill works here");
            return;
        }
        // timeout's 124 would mean oomkill attached and kept running.
        var (code, stdout, stderr) = Tool.Run("timeout", "10", oomkill);
        output.WriteLine($"oomkill exit {code}: {stdout}{stderr}");
        Assert.NotEqual(124, code);
        Assert.NotEqual(0, code);
        Assert.Contains("kprobe", stderr);

        using var probe = new OomKillProbe(new OomKillOptions());
        probe.Start();
        Assert.True(probe.IsRunning);
    }
}
