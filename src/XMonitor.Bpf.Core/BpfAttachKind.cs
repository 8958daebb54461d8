namespace XMonitor.Bpf;

/// <summary>How a program is attached to the kernel.</summary>
public enum BpfAttachKind
{
    /// <summary>Kernel function entry through a kprobe.</summary>
    Kprobe,
    /// <summary>Kernel function return through a kretprobe.</summary>
    Kretprobe,
    /// <summary>A tracepoint through perf events (<c>tp/</c>, <c>tracepoint/</c>).</summary>
    Tracepoint,
    /// <summary>A raw tracepoint (<c>raw_tp/</c>).</summary>
    RawTracepoint,
    /// <summary>A BTF-typed raw tracepoint (<c>tp_btf/</c>).</summary>
    BtfRawTracepoint,
    /// <summary>Kernel function entry through BPF trampolines (<c>fentry/</c>).</summary>
    Fentry,
    /// <summary>Kernel function exit through BPF trampolines (<c>fexit/</c>).</summary>
    Fexit,
    /// <summary>User function entry (<c>uprobe/</c>).</summary>
    Uprobe,
    /// <summary>User function return (<c>uretprobe/</c>).</summary>
    Uretprobe,
    /// <summary>A perf event the caller opened.</summary>
    PerfEvent,
    /// <summary>Any other kind libbpf attaches from the section name.</summary>
    Other,
}
