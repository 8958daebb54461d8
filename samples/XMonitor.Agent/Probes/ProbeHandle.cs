using XMonitor.Agent.Events;
using XMonitor.Bpf;
using XMonitor.Bpf.Probes;
using XMonitor.Bpf.Prometheus;

namespace XMonitor.Agent.Probes;

/// <summary>What the agent needs of one probe type, as functions of the probe object.</summary>
/// <typeparam name="TProbe">The probe class of the package.</typeparam>
internal sealed record ProbeFunctions<TProbe>
{
    public required Action<TProbe> Start { get; init; }
    public required Func<TProbe, ProbeStrategyChoice?> StrategyChoice { get; init; }
    public required Func<TProbe, IReadOnlyDictionary<string, BpfProgramStatistics>> Programs { get; init; }
    public required Func<TProbe, int, IBpfMetricsCollector> Collector { get; init; }
    public Func<TProbe, EventHub, IReadOnlyList<IDisposable>> Events { get; init; } = static (_, _) => [];
    public Func<TProbe, string?> Note { get; init; } = static _ => null;
}

/// <summary>A probe object behind <see cref="IProbeHandle"/>.</summary>
internal sealed class ProbeHandle<TProbe>(TProbe probe, ProbeFunctions<TProbe> functions) : IProbeHandle
    where TProbe : IAsyncDisposable
{
    private bool _started;

    public ProbeStrategyChoice? StrategyChoice => functions.StrategyChoice(probe);

    public string? Note => _started ? functions.Note(probe) : null;

    public void Start()
    {
        functions.Start(probe);
        _started = true;
    }

    public IReadOnlyList<ProgramInfo> Programs()
    {
        if (!_started)
            return [];
        try
        {
            return functions.Programs(probe).Select(p => new ProgramInfo(p.Key, p.Value.Id)).OrderBy(p => p.Name, StringComparer.Ordinal).ToArray();
        }
        catch (Exception e) when (e is InvalidOperationException or BpfException or ObjectDisposedException)
        {
            // Stopped between the check and the read.
            return [];
        }
    }

    public IBpfMetricsCollector CreateCollector(int maxProcessSeries) => functions.Collector(probe, maxProcessSeries);

    public IReadOnlyList<IDisposable> SubscribeEvents(EventHub hub) => functions.Events(probe, hub);

    public ValueTask DisposeAsync() => probe.DisposeAsync();
}
