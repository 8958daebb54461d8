namespace XMonitor.Bpf.Prometheus;

/// <summary>
/// The labels of a cgroup id (its path, pod UID and container id, <see cref="CgroupLabels"/>),
/// parsed once per cgroup from the path Core's <see cref="CgroupPathResolver"/> finds, and cached.
/// Thread-safe.
/// </summary>
internal sealed class CgroupLabelResolver(CgroupPathResolver paths)
{
    private readonly Lock _gate = new();
    private Dictionary<ulong, CgroupLabels> _labels = [];

    /// <summary>The hierarchy's mount point.</summary>
    public string Root => paths.Root;

    /// <summary>A resolver for the cgroup v2 hierarchy; null when it is not mounted.</summary>
    public static CgroupLabelResolver? Unified() => CgroupPathResolver.Unified() is { } paths ? new(paths) : null;

    /// <summary>A resolver for the cgroup v1 memory controller; null when it is not mounted.</summary>
    public static CgroupLabelResolver? MemoryV1() => CgroupPathResolver.MemoryV1() is { } paths ? new(paths) : null;

    /// <summary>The labels of cgroup <paramref name="id"/>; <see cref="CgroupLabels.Unknown"/> when no directory has that id.</summary>
    public CgroupLabels Labels(ulong id)
    {
        var cache = Volatile.Read(ref _labels);
        if (cache.TryGetValue(id, out var labels))
            return labels;
        var path = paths.Resolve(id);
        if (path is null)
            return CgroupLabels.Unknown;
        labels = CgroupLabels.FromPath(path);
        lock (_gate)
        {
            // Copy on write keeps reads lock-free; cgroups are few and new ones rare.
            var next = new Dictionary<ulong, CgroupLabels>(_labels) { [id] = labels };
            Volatile.Write(ref _labels, next);
        }
        return labels;
    }
}
