namespace XMonitor.Bpf;

/// <summary>What the kernel must offer for each attach kind.</summary>
public static class BpfAttachKindFeatures
{
    /// <summary>The kernel feature a program of this kind needs to load and attach (<see cref="KernelFeatures.Check"/> tells whether the kernel has it).</summary>
    /// <exception cref="ArgumentOutOfRangeException">The kind needs no single feature (<see cref="BpfAttachKind.PerfEvent"/>, <see cref="BpfAttachKind.Other"/>).</exception>
    public static KernelFeature RequiredFeature(this BpfAttachKind kind) => kind switch
    {
        BpfAttachKind.Kprobe or BpfAttachKind.Kretprobe => KernelFeature.Kprobe,
        BpfAttachKind.Tracepoint => KernelFeature.Tracepoint,
        BpfAttachKind.RawTracepoint => KernelFeature.RawTracepoint,
        BpfAttachKind.BtfRawTracepoint => KernelFeature.BtfRawTracepoint,
        BpfAttachKind.Fentry or BpfAttachKind.Fexit => KernelFeature.Fentry,
        BpfAttachKind.Uprobe or BpfAttachKind.Uretprobe => KernelFeature.Uprobe,
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "no kernel feature stands for this attach kind"),
    };
}
