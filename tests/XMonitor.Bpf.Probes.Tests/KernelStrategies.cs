namespace XMonitor.Bpf.Probes.Tests;

/// <summary>
/// What a probe should choose on the running kernel, decided from the kernel's features alone (not
/// by the code under test), so one test asserts the right choice on this VM (tracepoints only) and
/// on the kernel matrix's guests (fentry and kprobes).
/// </summary>
internal static class KernelStrategies
{
    /// <summary>The first of <paramref name="preference"/> whose kernel feature works.</summary>
    public static BpfAttachKind FirstOffered(params BpfAttachKind[] preference) => preference.First(Offers);

    /// <summary>Whether the kernel has the attach kind of <paramref name="strategy"/>.</summary>
    public static bool Offers(BpfAttachKind strategy) => KernelFeatures.IsSupported(strategy switch
    {
        BpfAttachKind.Fentry => KernelFeature.Fentry,
        BpfAttachKind.Kprobe => KernelFeature.Kprobe,
        BpfAttachKind.BtfRawTracepoint => KernelFeature.BtfRawTracepoint,
        BpfAttachKind.RawTracepoint => KernelFeature.RawTracepoint,
        _ => KernelFeature.Tracepoint,
    });
}
