namespace XMonitor.Bpf.Probes.CpuSched;

/// <summary>How run-queue latencies are grouped into histograms (the kernel side's <c>enum cpusched_aggregate</c>).</summary>
public enum CpuSchedAggregation
{
    /// <summary>One histogram for the whole system; its key is 0.</summary>
    System = 0,
    /// <summary>One histogram per process; the key is the tgid.</summary>
    Process = 1,
    /// <summary>One histogram per cgroup; the key is the cgroup id of the filter's hierarchy (cgroup v2 unless the filter names a v1 memory cgroup).</summary>
    Cgroup = 2,
}
