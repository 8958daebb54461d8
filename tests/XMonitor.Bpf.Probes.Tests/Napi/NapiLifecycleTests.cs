using XMonitor.Bpf.Probes.Napi;

namespace XMonitor.Bpf.Probes.Tests.Napi;

/// <summary>Nothing of a disposed NAPI probe stays in the kernel.</summary>
public sealed class NapiLifecycleTests
{
    [Fact]
    public void DisposeLeavesNoProgramOrLinkBehind()
    {
        BpfEnvironment.Require();
        var samples = new Collector<NapiSample>();
        var probe = new NapiProbe(new NapiOptions { MeasurePollTime = true });
        probe.Samples.Subscribe(samples);
        probe.Start();
        var ids = probe.GetProgramStatistics().Values.Select(s => s.Id).ToList();
        KernelPrograms.AssertGoneAfter(ids, probe.Dispose);
        Assert.True(samples.IsCompleted);
        Assert.Throws<ObjectDisposedException>(probe.Start);
    }
}
