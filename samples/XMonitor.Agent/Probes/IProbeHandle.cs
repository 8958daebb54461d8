using XMonitor.Agent.Events;
using XMonitor.Bpf.Probes;
using XMonitor.Bpf.Prometheus;

namespace XMonitor.Agent.Probes;

/// <summary>One probe object of the packages, seen the same way whatever its type.</summary>
internal interface IProbeHandle : IAsyncDisposable
{
    /// <summary>Loads and attaches the programs (the probe's own <c>Start</c>).</summary>
    void Start();

    /// <summary>How the probe attached, why, and the strategies that failed first; null before a successful start.</summary>
    ProbeStrategyChoice? StrategyChoice { get; }

    /// <summary>Something worth saying about the running probe (for example: no mount of the watched type), or null.</summary>
    string? Note { get; }

    /// <summary>The loaded programs by name with their kernel ids; empty unless running.</summary>
    IReadOnlyList<ProgramInfo> Programs();

    /// <summary>The probe's Prometheus adapter, created before start so it sees the first sample.</summary>
    IBpfMetricsCollector CreateCollector(int maxProcessSeries);

    /// <summary>Subscribes the event hub to the probe's event streams (before start: some probes only record what is observed).</summary>
    IReadOnlyList<IDisposable> SubscribeEvents(EventHub hub);
}
