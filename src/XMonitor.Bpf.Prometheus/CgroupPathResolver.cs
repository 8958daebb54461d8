using System.Diagnostics;

namespace XMonitor.Bpf.Prometheus;

/// <summary>
/// Turns the cgroup ids BPF programs see (<c>bpf_get_current_cgroup_id()</c>, a memcg's inode)
/// into cgroup paths: the id of a cgroup is the inode number of its directory, so the resolver
/// walks the hierarchy once, remembers every directory by inode, and walks again only when asked
/// for an id it does not know, at most once per rescan interval. Thread-safe.
/// </summary>
public sealed class CgroupPathResolver
{
    private readonly string _root;
    private readonly TimeSpan _rescanInterval;
    private readonly object _gate = new();
    private Dictionary<ulong, string> _paths = [];
    private Dictionary<ulong, CgroupLabels> _labels = [];
    private long _lastScan;
    private bool _scanned;

    /// <summary>Creates a resolver for the hierarchy mounted at <paramref name="root"/>.</summary>
    /// <param name="root">The hierarchy's mount point, such as <c>/sys/fs/cgroup/unified</c> or <c>/sys/fs/cgroup/memory</c>.</param>
    /// <param name="rescanInterval">The least time between two walks for unknown ids (cgroups come and go with containers). Default 10 s.</param>
    public CgroupPathResolver(string root, TimeSpan? rescanInterval = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(root);
        _root = Path.TrimEndingDirectorySeparator(root);
        _rescanInterval = rescanInterval ?? TimeSpan.FromSeconds(10);
    }

    /// <summary>The hierarchy's mount point.</summary>
    public string Root => _root;

    /// <summary>
    /// A resolver for the cgroup v2 hierarchy: <c>/sys/fs/cgroup/unified</c> on hybrid hosts,
    /// <c>/sys/fs/cgroup</c> on unified ones; null when neither is cgroup v2.
    /// </summary>
    public static CgroupPathResolver? Unified()
    {
        foreach (var candidate in new[] { "/sys/fs/cgroup/unified", "/sys/fs/cgroup" })
        {
            if (File.Exists(Path.Combine(candidate, "cgroup.controllers")))
                return new CgroupPathResolver(candidate);
        }
        return null;
    }

    /// <summary>A resolver for the cgroup v1 memory controller (memcg ids of OOM kills on v1 hosts); null when it is not mounted.</summary>
    public static CgroupPathResolver? MemoryV1()
        => File.Exists("/sys/fs/cgroup/memory/memory.limit_in_bytes") ? new CgroupPathResolver("/sys/fs/cgroup/memory") : null;

    /// <summary>The path of cgroup <paramref name="id"/> relative to the hierarchy (<c>/</c> for the root, <c>/system.slice/cron.service</c>), or null when no directory has that inode.</summary>
    public string? Resolve(ulong id)
    {
        var paths = Volatile.Read(ref _paths);
        if (paths.TryGetValue(id, out var path))
            return path;
        lock (_gate)
        {
            if (_paths.TryGetValue(id, out path))
                return path;
            if (_scanned && Stopwatch.GetElapsedTime(_lastScan) < _rescanInterval)
                return null;
            Volatile.Write(ref _paths, Scan());
            _lastScan = Stopwatch.GetTimestamp();
            _scanned = true;
            return _paths.GetValueOrDefault(id);
        }
    }

    /// <summary>
    /// The cgroup path, pod UID and container id of cgroup <paramref name="id"/>, parsed once per
    /// cgroup and cached: the form probe adapters put into labels.
    /// </summary>
    public CgroupLabels Labels(ulong id)
    {
        var cache = Volatile.Read(ref _labels);
        if (cache.TryGetValue(id, out var labels))
            return labels;
        var path = Resolve(id);
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

    private Dictionary<ulong, string> Scan()
    {
        var found = new Dictionary<ulong, string>();
        if (FileInode.TryGet(_root, out var rootInode))
            found[rootInode] = "/";
        var pending = new Stack<string>();
        pending.Push(_root);
        while (pending.Count > 0)
        {
            var directory = pending.Pop();
            IEnumerable<string> children;
            try
            {
                children = Directory.EnumerateDirectories(directory);
                foreach (var child in children)
                {
                    if (FileInode.TryGet(child, out var inode))
                        found[inode] = child[_root.Length..];
                    pending.Push(child);
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // A cgroup removed while we walk it: it is gone, so nothing can ask for it.
            }
        }
        return found;
    }
}
