using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using XMonitor.Bpf.Probes.CpuSched;

namespace XMonitor.Bpf.Probes.Tests;

/// <summary>Start, dispose and hosting: what is attached while the probe runs is gone afterwards, as bpftool sees it.</summary>
public sealed class LifecycleTests
{
    [Fact]
    public void DisposeLeavesNoProgramOrLinkInTheKernel()
    {
        var bpftool = Tool.Find("bpftool");
        if (bpftool is null)
        {
            BpfEnvironment.Fail("bpftool is not installed");
            return;
        }
        var run = new ProbeRun(new CpuSchedOptions());
        var ids = run.Probe.GetProgramStatistics().Values.Select(s => s.Id).ToHashSet();
        Assert.Equal(3, ids.Count);
        Assert.True(ids.IsSubsetOf(ProgramIds(bpftool)));
        Assert.Equal(3, LinkedProgramIds(bpftool).Count(ids.Contains));

        run.Dispose();

        // The kernel frees a program after an RCU grace period once its last fd is closed.
        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (ids.Overlaps(ProgramIds(bpftool)) && DateTime.UtcNow < deadline)
            Thread.Sleep(50);
        Assert.False(ids.Overlaps(ProgramIds(bpftool)), "a program of the probe is still loaded");
        Assert.False(ids.Overlaps(LinkedProgramIds(bpftool)), "a link of the probe is still attached");
        Assert.True(run.OffCpu.IsCompleted && run.Hung.IsCompleted && run.Latency.IsCompleted);
    }

    [Fact]
    public void AProbeStartsOnceAndNotAfterDispose()
    {
        using var run = new ProbeRun(new CpuSchedOptions());
        Assert.True(run.Probe.IsRunning);
        Assert.Equal(BpfAttachKind.BtfRawTracepoint, run.Probe.AttachStrategy);
        Assert.Throws<InvalidOperationException>(run.Probe.Start);
        run.Probe.Dispose();
        Assert.False(run.Probe.IsRunning);
        Assert.Throws<ObjectDisposedException>(run.Probe.Start);
        run.Probe.Dispose();
    }

    [Fact]
    public void ReadingsComeEveryIntervalAndSubscribersAfterCompletionAreCompletedAtOnce()
    {
        using var run = new ProbeRun(new CpuSchedOptions { Interval = TimeSpan.FromMilliseconds(100) });
        Thread.Sleep(1050);
        run.Stop();
        // 10 ticks in 1.05 s plus the one on dispose; a tick may slip past the end on a busy machine.
        Assert.InRange(run.Latency.Items.Count, 9, 12);
        Assert.All(run.Latency.Items.Skip(1).SkipLast(1), r => Assert.InRange(r.Interval.TotalMilliseconds, 50, 300));
        var late = new Collector<OffCpuEvent>();
        run.Probe.OffCpu.Subscribe(late);
        Assert.True(late.IsCompleted);
    }

    [Fact]
    public void DisposingFromInsideCallbacksStopsTheProbeWithoutDeadlock()
    {
        using var run = new ProbeRun(new CpuSchedOptions { Interval = TimeSpan.FromMilliseconds(50), OffCpuThreshold = TimeSpan.FromMilliseconds(100) });
        var fromEvent = new Collector<OffCpuEvent>();
        // The first off-CPU record disposes the probe on the ring-buffer reader's own thread.
        using var subscription = run.Probe.OffCpu.Subscribe(new DisposingObserver<OffCpuEvent>(run.Probe, fromEvent));
        Assert.NotNull(fromEvent.WaitFor(_ => true, TimeSpan.FromSeconds(5)));
        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (!run.Latency.IsCompleted && DateTime.UtcNow < deadline)
            Thread.Sleep(20);
        Assert.True(run.Latency.IsCompleted, "the probe did not stop after Dispose from its reader thread");
        Assert.False(run.Probe.IsRunning);

        using var second = new ProbeRun(new CpuSchedOptions { Interval = TimeSpan.FromMilliseconds(50) });
        var fromTick = new Collector<RunQueueLatency>();
        using var tickSubscription = second.Probe.Samples.Subscribe(new DisposingObserver<RunQueueLatency>(second.Probe, fromTick));
        deadline = DateTime.UtcNow.AddSeconds(5);
        while (!second.Latency.IsCompleted && DateTime.UtcNow < deadline)
            Thread.Sleep(20);
        Assert.True(second.Latency.IsCompleted, "the probe did not stop after Dispose from its interval timer");
    }

    [Fact]
    public async Task TheHostedServiceStartsAndStopsTheProbe()
    {
        BpfEnvironment.Require();
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddCpuSchedProbe(o => o.Interval = TimeSpan.FromMilliseconds(100));
        using var host = builder.Build();
        var probe = host.Services.GetRequiredService<CpuSchedProbe>();
        var readings = new Collector<RunQueueLatency>();
        probe.Samples.Subscribe(readings);

        await host.StartAsync(TestContext.Current.CancellationToken);
        Assert.True(probe.IsRunning);
        Assert.NotNull(readings.WaitFor(r => r.Histograms.Count == 1 && r.Histograms[0].Cumulative.Count > 0, TimeSpan.FromSeconds(5)));
        await host.StopAsync(TestContext.Current.CancellationToken);

        Assert.False(probe.IsRunning);
        Assert.True(readings.IsCompleted);
    }

    private static HashSet<uint> ProgramIds(string bpftool)
        => Json(bpftool, "prog").Select(p => p.GetProperty("id").GetUInt32()).ToHashSet();

    private static IEnumerable<uint> LinkedProgramIds(string bpftool)
        => Json(bpftool, "link").Select(l => l.GetProperty("prog_id").GetUInt32());

    private static List<JsonElement> Json(string bpftool, string kind)
    {
        var (code, output, error) = Tool.Run(bpftool, "-j", kind, "show");
        Assert.True(code == 0, error);
        using var doc = JsonDocument.Parse(output);
        return doc.RootElement.EnumerateArray().Select(e => e.Clone()).ToList();
    }
}
