namespace XMonitor.Bpf.Probes;

/// <summary>
/// Test seam of <see cref="StrategyFallback{TPlan}"/>: a strategy name (<c>tp_btf</c>,
/// <c>tp_btf+fentry</c>) whose attempt fails as if the kernel had refused it, so tests can force a
/// probe's first choice to fail on any kernel. Flows with the calling context, so a test changes
/// only the probes it starts itself.
/// </summary>
internal static class StrategyRefusal
{
    public static readonly AsyncLocal<string?> ForTests = new();
}
