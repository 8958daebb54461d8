namespace XMonitor.Bpf;

/// <summary>The attach types of tracing programs (<c>enum bpf_attach_type</c>), the ones the SDK uses by name.</summary>
public enum BpfAttachType
{
    /// <summary>No expected attach type (kprobes, tracepoints, raw tracepoints).</summary>
    None = 0,
    /// <summary>BTF raw tracepoint (<c>tp_btf/</c>).</summary>
    TraceRawTp = 23,
    /// <summary>Function entry (<c>fentry/</c>).</summary>
    TraceFentry = 24,
    /// <summary>Function exit (<c>fexit/</c>).</summary>
    TraceFexit = 25,
    /// <summary>Return-value override (<c>fmod_ret/</c>).</summary>
    ModifyReturn = 26,
    /// <summary>BPF LSM hook (<c>lsm/</c>).</summary>
    LsmMac = 27,
    /// <summary>BPF iterator (<c>iter/</c>).</summary>
    TraceIter = 28,
    /// <summary>Multi-function kprobe (<c>kprobe.multi/</c>).</summary>
    TraceKprobeMulti = 42,
}
