namespace XMonitor.Bpf;

/// <summary>Which cgroup hierarchy a cgroup id belongs to; probes report and filter ids of one hierarchy at a time.</summary>
public enum CgroupHierarchy
{
    /// <summary>The cgroup v2 (unified) hierarchy: the id of a task's v2 cgroup.</summary>
    Unified = 0,
    /// <summary>
    /// The cgroup v1 memory controller's hierarchy, for hosts whose containers live in v1 (on such a
    /// host every task's v2 cgroup is the root, so v2 ids tell nothing).
    /// </summary>
    MemoryV1 = 1,
}
