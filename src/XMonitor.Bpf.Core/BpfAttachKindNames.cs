namespace XMonitor.Bpf;

/// <summary>The names attach kinds are known by.</summary>
public static class BpfAttachKindNames
{
    /// <summary>
    /// The kind's name as libbpf's section prefixes and bpftool spell it (<c>kprobe</c>, <c>tp_btf</c>,
    /// <c>raw_tp</c>, <c>fentry</c>, ...; <c>other</c> for <see cref="BpfAttachKind.Other"/>), for
    /// messages and metric labels.
    /// </summary>
    public static string Name(this BpfAttachKind kind) => kind switch
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

    /// <summary>
    /// The kind as a section prefix names it, short: <c>tp</c>, <c>raw_tp</c>, <c>tp_btf</c>,
    /// <c>kprobe</c>, <c>fentry</c>... (<see cref="Name"/> but <c>tp</c> for a tracepoint), as attach
    /// strategies are named in messages and in <see cref="BpfAttachChoice.Name"/>.
    /// </summary>
    public static string SectionPrefix(this BpfAttachKind kind) => kind == BpfAttachKind.Tracepoint ? "tp" : kind.Name();
}
