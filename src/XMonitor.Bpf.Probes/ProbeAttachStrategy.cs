namespace XMonitor.Bpf.Probes;

/// <summary>
/// How a probe's programs hook into the kernel. Each probe supports a subset, prefers the cheapest
/// the running kernel offers (see <see cref="KernelFeatures"/>) and reports the one it chose.
/// </summary>
public enum ProbeAttachStrategy
{
    /// <summary>fentry/fexit on kernel functions through BPF trampolines (5.5+).</summary>
    Fentry,
    /// <summary>kprobes and kretprobes on kernel functions (<c>CONFIG_KPROBES</c>).</summary>
    Kprobe,
    /// <summary>BTF-typed raw tracepoints, <c>tp_btf/</c> (5.5+ with kernel BTF): typed arguments, no copies.</summary>
    BtfRawTracepoint,
    /// <summary>Raw tracepoints, <c>raw_tp/</c> (4.17+): the tracepoint's arguments as plain integers.</summary>
    RawTracepoint,
    /// <summary>Classic tracepoints through perf events, <c>tp/</c> (needs tracefs).</summary>
    Tracepoint,
}
