namespace XMonitor.Bpf.Prometheus;

/// <summary>
/// The label values operators join cgroup series by: the cgroup path and, on Kubernetes nodes, the
/// pod UID and container id. Empty strings where a value does not apply, so they go into labels as
/// they are (Prometheus treats an empty label like a missing one).
/// </summary>
/// <param name="Cgroup">The cgroup path relative to the hierarchy, or empty when the id is unknown (the cgroup is gone).</param>
/// <param name="PodUid">The pod's UID, or empty outside a pod.</param>
/// <param name="ContainerId">The container id, or empty outside a container.</param>
public readonly record struct CgroupLabels(string Cgroup, string PodUid, string ContainerId)
{
    /// <summary>Label values of a cgroup whose id resolves to nothing.</summary>
    public static CgroupLabels Unknown { get; } = new("", "", "");

    /// <summary>The label values of the cgroup at <paramref name="path"/> (null: <see cref="Unknown"/>).</summary>
    public static CgroupLabels FromPath(string? path)
    {
        if (path is null)
            return Unknown;
        return KubernetesCgroup.TryParse(path, out var pod)
            ? new CgroupLabels(path, pod!.PodUid, pod.ContainerId ?? "")
            : new CgroupLabels(path, "", "");
    }
}
