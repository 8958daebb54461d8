namespace XMonitor.Bpf.Probes.OomKill;

/// <summary>What limited the allocation that ran out of memory. The values equal the kernel side's <c>enum oomkill_constraint</c>.</summary>
public enum OomConstraint
{
    /// <summary>Not known: no strategy could tell.</summary>
    Unknown = 0,
    /// <summary>The whole machine ran out (the kernel's <c>CONSTRAINT_NONE</c>).</summary>
    Global = 1,
    /// <summary>The allocating task's cpuset's memory nodes ran out (only read from <c>oom_control</c>, never inferred).</summary>
    Cpuset = 2,
    /// <summary>The nodes of a NUMA memory policy ran out (only read from <c>oom_control</c>, never inferred).</summary>
    MemoryPolicy = 3,
    /// <summary>A memory cgroup reached its limit.</summary>
    MemoryCgroup = 4,
}
