namespace XMonitor.Bpf.Tests;

/// <summary>Programs attached as tracepoint, raw_tp and tp_btf count exactly the getpid() calls the test makes.</summary>
public sealed class TracepointCountingTests
{
    private const int Calls = 5000;

    [Fact]
    public void EachAttachKindCountsEveryCallOfTheThread()
    {
        BpfEnvironment.Require();
        using var open = BpfEnvironment.Open("counter");
        // The counted thread is this one; the kernel calls it a pid, user space a tid.
        var tid = BpfEnvironment.CurrentTid;
        open.SetConstant("target_tid", tid);
        using var obj = open.Load();
        var links = obj.AttachAll();
        Assert.Equal([BpfAttachKind.Tracepoint, BpfAttachKind.RawTracepoint, BpfAttachKind.BtfRawTracepoint], links.Select(l => l.Kind));

        for (var i = 0; i < Calls; i++)
            BpfEnvironment.GetPid();
        foreach (var link in links)
            link.Dispose();

        var counts = obj.GetMap("counts").AsTyped<uint, ulong>();
        for (var kind = 0u; kind < 3; kind++)
        {
            Assert.True(counts.TryLookup(kind, out var n));
            Assert.Equal((ulong)Calls, n);
        }
    }

    [Fact]
    public void ExplicitAttachMethodsReachTheSameHooks()
    {
        BpfEnvironment.Require();
        using var open = BpfEnvironment.Open("counter");
        open.SetConstant("target_tid", BpfEnvironment.CurrentTid);
        using var obj = open.Load();
        using var tp = obj.GetProgram("count_tracepoint").AttachTracepoint("syscalls", "sys_enter_getpid");
        using var raw = obj.GetProgram("count_raw_tp").AttachRawTracepoint("sys_enter");
        using var btf = obj.GetProgram("count_tp_btf").AttachTracing();
        Assert.Equal("syscalls/sys_enter_getpid", tp.Target);
        Assert.Equal(BpfAttachKind.BtfRawTracepoint, btf.Kind);

        for (var i = 0; i < 100; i++)
            BpfEnvironment.GetPid();

        var counts = obj.GetMap("counts").AsTyped<uint, ulong>();
        for (var kind = 0u; kind < 3; kind++)
        {
            Assert.True(counts.TryLookup(kind, out var n));
            Assert.Equal(100UL, n);
        }
    }

    [Fact]
    public void DetachedProgramsStopCounting()
    {
        BpfEnvironment.Require();
        using var open = BpfEnvironment.Open("counter");
        open.SetConstant("target_tid", BpfEnvironment.CurrentTid);
        using var obj = open.Load();
        var link = obj.GetProgram("count_raw_tp").Attach();
        BpfEnvironment.GetPid();
        link.Dispose();
        Assert.False(link.IsAttached);
        BpfEnvironment.GetPid();

        Assert.True(obj.GetMap("counts").AsTyped<uint, ulong>().TryLookup(1, out var n));
        Assert.Equal(1UL, n);
    }
}
