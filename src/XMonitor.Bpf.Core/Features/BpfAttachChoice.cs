namespace XMonitor.Bpf;

/// <summary>
/// How a program set came to attach the way it did: the attach kind it runs with, why, and the
/// kinds tried first that the kernel refused (the runtime fallback of <see cref="BpfAttachChooser{TPlan}"/>), in the order tried.
/// </summary>
/// <param name="Kind">The attach kind the programs run with.</param>
/// <param name="Name">The choice as users know it: the section prefix (<c>fentry</c>, <c>tp_btf</c>...), with a second hook's when there is one (<c>tp+kprobe</c>).</param>
/// <param name="Reason">Why: what the kernel offers, what it lacks, or "forced by options".</param>
/// <param name="Failures">Kinds tried before this one that the kernel refused, each with its error; empty when the first choice worked.</param>
public sealed record BpfAttachChoice(BpfAttachKind Kind, string Name, string Reason, IReadOnlyList<BpfAttachFailure> Failures)
{
    /// <summary>The whole chain in one line, for logs: <c>raw_tp (tp_btf failed: ...)</c>.</summary>
    public override string ToString()
        => Failures.Count == 0 ? $"{Name} ({Reason})" : $"{Name} ({Reason}; after {string.Join("; ", Failures)})";
}
