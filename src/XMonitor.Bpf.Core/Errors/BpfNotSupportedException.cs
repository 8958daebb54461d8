namespace XMonitor.Bpf;

/// <summary>
/// The running kernel (or its configuration) does not offer a feature: kprobes without
/// CONFIG_KPROBES, fentry where tracing programs cannot load, a map type from a newer kernel.
/// Catch this one type to fall back to another strategy.
/// </summary>
public sealed class BpfNotSupportedException : BpfException
{
    /// <summary>Creates the exception naming the missing <paramref name="feature"/>.</summary>
    public BpfNotSupportedException(string context, string feature, int errno = 0, string? detail = null)
        : base(context, errno, detail is null ? $"not supported by this kernel: {feature}" : $"not supported by this kernel: {feature} ({detail})")
    {
        Feature = feature;
    }

    /// <summary>The feature the kernel lacks, for example <c>kprobe</c> or <c>fentry</c>.</summary>
    public string Feature { get; }
}
