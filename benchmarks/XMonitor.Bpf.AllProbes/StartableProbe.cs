namespace XMonitor.Bpf.AllProbes;

/// <summary>
/// One probe, created with its subscriptions but not started: <see cref="Start"/> loads and
/// attaches it, <see cref="Programs"/> then gives its attached programs' kernel statistics.
/// </summary>
internal sealed record StartableProbe(string Name, IDisposable Probe, Action Start, Func<IEnumerable<BpfProgramStatistics>> Programs);
