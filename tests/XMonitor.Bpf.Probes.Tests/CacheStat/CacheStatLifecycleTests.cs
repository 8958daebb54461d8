using XMonitor.Bpf.Probes.CacheStat;

namespace XMonitor.Bpf.Probes.Tests.CacheStat;

public sealed class CacheStatLifecycleTests
{
    [Fact]
    public void Samples_ArriveEveryInterval_AndDisposeCompletesThem()
    {
        using var recorder = new ProbeRecorder(new CacheStatOptions { Interval = TimeSpan.FromMilliseconds(50) });
        Assert.True(recorder.Probe.IsRunning);
        Assert.NotNull(recorder.Samples.WaitFor(_ => recorder.Samples.Items.Count >= 5, TimeSpan.FromSeconds(5)));
        var samples = recorder.Stop();
        Assert.False(recorder.Probe.IsRunning);
        var expected = KernelStrategies.FirstOffered(BpfAttachKind.Fentry, BpfAttachKind.Kprobe, BpfAttachKind.BtfRawTracepoint);
        Assert.All(samples, s =>
        {
            Assert.Equal(expected, s.AttachStrategy);
            Assert.True(s.CachedBytes > 0);
            Assert.True(s.Processes.Count <= 10);
        });
        // Intervals cover the run without overlap: each is about the configured 50 ms, never negative.
        Assert.All(samples.SkipLast(1), s => Assert.InRange(s.Interval.TotalMilliseconds, 1, 5000));

        var late = new Collector<CacheStatSample>();
        recorder.Probe.Samples.Subscribe(late);
        Assert.True(late.IsCompleted, "subscribing after dispose completes at once");
        Assert.Throws<ObjectDisposedException>(recorder.Probe.Start);
    }

    [Fact]
    public void Start_Twice_Throws()
    {
        using var recorder = new ProbeRecorder(new CacheStatOptions());
        Assert.Throws<InvalidOperationException>(recorder.Probe.Start);
    }

    [Fact]
    public void Dispose_FromInsideACallback_StopsTheProbe()
    {
        BpfEnvironment.Require();
        var probe = new CacheStatProbe(new CacheStatOptions { Interval = TimeSpan.FromMilliseconds(20) });
        var done = new Collector<CacheStatSample>();
        probe.Samples.Subscribe(new Observer<CacheStatSample>(_ => probe.Dispose()));
        probe.Samples.Subscribe(done);
        probe.Start();
        var end = DateTime.UtcNow + TimeSpan.FromSeconds(5);
        while (!done.IsCompleted && DateTime.UtcNow < end)
            Thread.Sleep(20);
        Assert.True(done.IsCompleted, "the observable completed after Dispose from a callback");
        Assert.False(probe.IsRunning);
    }
}
