namespace XMonitor.Bpf.Probes;

/// <summary>
/// How a probe came to attach the way it did: the strategy it runs with, why, and the strategies
/// it tried first that failed to load or attach (the runtime fallback), in the order tried.
/// </summary>
/// <param name="Strategy">The strategy the probe's programs run with.</param>
/// <param name="Name">The strategy as users know it: the section prefix (<c>fentry</c>, <c>tp_btf</c>...), with the second hook of a probe that has two (<c>tp+kprobe</c>).</param>
/// <param name="Reason">Why: what the kernel offers, what it lacks, or "forced by options".</param>
/// <param name="Failures">Strategies tried before this one that the kernel refused, each with its error; empty when the first choice worked.</param>
public sealed record ProbeStrategyChoice(ProbeAttachStrategy Strategy, string Name, string Reason, IReadOnlyList<ProbeStrategyFailure> Failures)
{
    /// <summary>The whole chain in one line, for logs: <c>raw_tp (tp_btf failed: ...)</c>.</summary>
    public override string ToString()
        => Failures.Count == 0 ? $"{Name} ({Reason})" : $"{Name} ({Reason}; after {string.Join("; ", Failures)})";
}
