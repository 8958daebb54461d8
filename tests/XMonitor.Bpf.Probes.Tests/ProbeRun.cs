using XMonitor.Bpf.Probes.CpuSched;

namespace XMonitor.Bpf.Probes.Tests;

/// <summary>A started probe with collectors on its three observables.</summary>
internal sealed class ProbeRun : IDisposable
{
    public ProbeRun(CpuSchedOptions options)
    {
        BpfEnvironment.Require();
        Probe = new CpuSchedProbe(options);
        Probe.Samples.Subscribe(Latency);
        Probe.OffCpu.Subscribe(OffCpu);
        Probe.HungTasks.Subscribe(Hung);
        Probe.Start();
    }

    public CpuSchedProbe Probe { get; }

    public Collector<RunQueueLatency> Latency { get; } = new();

    public Collector<OffCpuEvent> OffCpu { get; } = new();

    public Collector<HungTaskEvent> Hung { get; } = new();

    /// <summary>Disposes the probe, which publishes a last reading, and returns that reading.</summary>
    public RunQueueLatency Stop()
    {
        Probe.Dispose();
        Assert.True(Latency.IsCompleted);
        return Latency.Items[^1];
    }

    public void Dispose() => Probe.Dispose();
}
