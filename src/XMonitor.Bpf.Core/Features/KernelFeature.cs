namespace XMonitor.Bpf;

/// <summary>Kernel capabilities that decide which attach strategy a probe can use.</summary>
public enum KernelFeature
{
    /// <summary>The kernel describes its own types in BTF (<c>/sys/kernel/btf/vmlinux</c>): CO-RE works.</summary>
    Btf,
    /// <summary>tracefs is mounted, so libbpf can resolve <c>tp/</c> tracepoint names.</summary>
    Tracefs,
    /// <summary>Tracepoint programs attached through perf events (<c>tp/</c>).</summary>
    Tracepoint,
    /// <summary>Raw tracepoint programs (<c>raw_tp/</c>, kernel 4.17+).</summary>
    RawTracepoint,
    /// <summary>BTF-typed raw tracepoints (<c>tp_btf/</c>, kernel 5.5+).</summary>
    BtfRawTracepoint,
    /// <summary>kprobes and kretprobes (<c>CONFIG_KPROBES</c>).</summary>
    Kprobe,
    /// <summary>fentry/fexit tracing programs on kernel functions (kernel 5.5+, BPF trampolines).</summary>
    Fentry,
    /// <summary>uprobes and uretprobes (<c>CONFIG_UPROBES</c>).</summary>
    Uprobe,
    /// <summary>The BPF ring buffer map (kernel 5.8+).</summary>
    RingBuffer,
    /// <summary>The <c>bpf_loop</c> helper (kernel 5.17+).</summary>
    BpfLoop,
    /// <summary><c>SEC("syscall")</c> programs run with <c>BPF_PROG_TEST_RUN</c> (kernel 5.14+).</summary>
    SyscallProgram,
    /// <summary>Batch map operations (kernel 5.6+).</summary>
    MapBatchOps,
    /// <summary>Per-program run statistics (<c>kernel.bpf_stats_enabled</c>, kernel 5.1+).</summary>
    RunStatistics,
}
