namespace XMonitor.Bpf;

/// <summary>
/// The process lacks the privilege the operation needs. Loading tracing programs needs CAP_BPF and
/// CAP_PERFMON (kernel 5.8+) or CAP_SYS_ADMIN; attaching kprobes and tracepoints needs CAP_PERFMON;
/// resolving a tracepoint needs tracefs, which a non-root process reads only with CAP_DAC_READ_SEARCH.
/// </summary>
public sealed class BpfPermissionException : BpfException
{
    /// <summary>Creates the exception for <paramref name="context"/>.</summary>
    public BpfPermissionException(string context, int errno)
        : base(context, errno, "The process needs CAP_BPF and CAP_PERFMON (or CAP_SYS_ADMIN, or root) to load and attach BPF programs")
    {
    }

    /// <summary>Creates the exception for <paramref name="context"/> with <paramref name="detail"/> saying which privilege is missing.</summary>
    public BpfPermissionException(string context, int errno, string detail)
        : base(context, errno, detail)
    {
    }
}
