namespace XMonitor.Bpf.Probes;

/// <summary>Maps attach strategies to the kernel features they need.</summary>
internal static class ProbeAttachStrategies
{
    public static KernelFeature RequiredFeature(this ProbeAttachStrategy strategy) => strategy switch
    {
        ProbeAttachStrategy.Fentry => KernelFeature.Fentry,
        ProbeAttachStrategy.Kprobe => KernelFeature.Kprobe,
        ProbeAttachStrategy.BtfRawTracepoint => KernelFeature.BtfRawTracepoint,
        ProbeAttachStrategy.RawTracepoint => KernelFeature.RawTracepoint,
        ProbeAttachStrategy.Tracepoint => KernelFeature.Tracepoint,
        _ => throw new ArgumentOutOfRangeException(nameof(strategy), strategy, "unknown attach strategy"),
    };

    /// <summary>The section prefix users know the strategy by, for messages.</summary>
    public static string SectionName(this ProbeAttachStrategy strategy) => strategy switch
    {
        ProbeAttachStrategy.Fentry => "fentry",
        ProbeAttachStrategy.Kprobe => "kprobe",
        ProbeAttachStrategy.BtfRawTracepoint => "tp_btf",
        ProbeAttachStrategy.RawTracepoint => "raw_tp",
        ProbeAttachStrategy.Tracepoint => "tp",
        _ => strategy.ToString(),
    };
}
