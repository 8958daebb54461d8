namespace XMonitor.Bpf;

/// <summary>An attach kind tried and refused by the kernel (at load or attach), before <see cref="BpfAttachChooser{TPlan}"/> fell back to the next.</summary>
/// <param name="Name">The kind as users know it (<c>tp_btf</c>, <c>fentry</c>...).</param>
/// <param name="Error">The error: the verifier's summary, the errno and what failed.</param>
public sealed record BpfAttachFailure(string Name, string Error)
{
    /// <inheritdoc/>
    public override string ToString() => $"{Name} failed: {Error}";
}
