namespace XMonitor.Bpf;

/// <summary>
/// Test seam of <see cref="BpfAttachChooser{TPlan}"/>: a candidate's name (<c>tp_btf</c>,
/// <c>tp_btf+fentry</c>) whose attempt fails as if the kernel had refused it, so tests can make a
/// first choice fail on any kernel. Flows with the calling context, so a test changes only what it
/// starts itself.
/// </summary>
internal static class BpfAttachRefusal
{
    public static readonly AsyncLocal<string?> ForTests = new();
}
