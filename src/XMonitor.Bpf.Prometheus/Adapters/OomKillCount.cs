namespace XMonitor.Bpf.Prometheus;

/// <summary>The OOM kills of one scope and memory cgroup, with the cgroup's labels as they were at the first kill (the cgroup is often removed after it).</summary>
internal sealed class OomKillCount(string scope, CgroupLabels cgroup)
{
    public string Scope { get; } = scope;

    public CgroupLabels Cgroup { get; } = cgroup;

    public ulong Kills { get; set; }
}
