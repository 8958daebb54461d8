using XMonitor.Bpf.Probes.BioLatency;

namespace XMonitor.Bpf.Probes.Tests.BioLatency;

/// <summary>Start once, dispose from a callback, and nothing left in the kernel afterwards.</summary>
public sealed class BioLatencyLifecycleTests
{
    [Fact]
    public void AProbeStartsOnceAndLeavesNoProgramOrLinkBehind()
    {
        BpfEnvironment.Require();
        var readings = new Collector<BlockIoLatency>();
        var probe = new BioLatencyProbe(new BioLatencyOptions { SlowThreshold = TimeSpan.FromMilliseconds(1) });
        probe.Samples.Subscribe(readings);
        probe.Start();
        Assert.Throws<InvalidOperationException>(probe.Start);
        var ids = probe.GetProgramStatistics().Values.Select(s => s.Id).ToList();
        Assert.Equal(3, ids.Count);
        KernelPrograms.AssertGoneAfter(ids, probe.Dispose);
        Assert.True(readings.IsCompleted);
        Assert.Single(readings.Items);
        Assert.Throws<ObjectDisposedException>(probe.Start);
        Assert.Throws<InvalidOperationException>(() => probe.GetProgramStatistics());
        Assert.Equal(0UL, probe.DroppedEvents);
    }

    [Fact]
    public void DisposingFromInsideAReadingStopsTheProbeWithoutDeadlock()
    {
        BpfEnvironment.Require();
        var probe = new BioLatencyProbe(new BioLatencyOptions { Interval = TimeSpan.FromMilliseconds(20) });
        var completed = new ManualResetEventSlim();
        probe.Samples.Subscribe(new Observer<BlockIoLatency>(_ => probe.Dispose()));
        probe.Samples.Subscribe(new CompletionObserver<BlockIoLatency>(completed));
        probe.Start();
        Assert.True(completed.Wait(TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken), "the probe did not stop after Dispose from its interval timer");
        Assert.False(probe.IsRunning);
    }
}
