namespace XMonitor.Bpf.Probes;

/// <summary>A strategy a probe tried and the kernel refused (at load or attach), before it fell back to the next.</summary>
/// <param name="Name">The strategy as users know it (<c>tp_btf</c>, <c>fentry</c>...).</param>
/// <param name="Error">The error: the verifier's summary, the errno and what failed.</param>
public sealed record ProbeStrategyFailure(string Name, string Error)
{
    /// <inheritdoc/>
    public override string ToString() => $"{Name} failed: {Error}";
}
