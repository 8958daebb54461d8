namespace XMonitor.Bpf.Prometheus;

/// <summary>The <c>attach_kind</c> label values: libbpf's section prefixes, as operators know them from bpftool.</summary>
internal static class AttachKindNames
{
    public static string Name(BpfAttachKind kind) => kind switch
    {
        BpfAttachKind.Kprobe => "kprobe",
        BpfAttachKind.Kretprobe => "kretprobe",
        BpfAttachKind.Tracepoint => "tracepoint",
        BpfAttachKind.RawTracepoint => "raw_tp",
        BpfAttachKind.BtfRawTracepoint => "tp_btf",
        BpfAttachKind.Fentry => "fentry",
        BpfAttachKind.Fexit => "fexit",
        BpfAttachKind.Uprobe => "uprobe",
        BpfAttachKind.Uretprobe => "uretprobe",
        BpfAttachKind.PerfEvent => "perf_event",
        _ => "other",
    };
}
