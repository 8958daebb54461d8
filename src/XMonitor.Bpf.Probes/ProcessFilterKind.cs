namespace XMonitor.Bpf.Probes;

/// <summary>
/// Which tasks a probe records. The filter runs in the kernel, so tasks it rejects cost no map
/// update and no ring-buffer record. The values equal the kernel side's <c>enum xm_filter_kind</c>.
/// </summary>
public enum ProcessFilterKind
{
    /// <summary>Every task.</summary>
    All = 0,
    /// <summary>Tasks of one pid namespace (a container), identified by the namespace's inode number.</summary>
    PidNamespace = 1,
    /// <summary>Tasks directly in one cgroup (not its descendants), identified by the cgroup id.</summary>
    Cgroup = 2,
    /// <summary>The threads of one process (its tgid in the initial pid namespace).</summary>
    Pid = 3,
    /// <summary>The processes of one process group (pgid in the initial pid namespace).</summary>
    ProcessGroup = 4,
}
