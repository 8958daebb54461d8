using System.Diagnostics;

namespace XMonitor.Bpf;

/// <summary>
/// Turns the cgroup ids BPF programs see (<c>bpf_get_current_cgroup_id()</c>, a memcg's inode)
/// into cgroup paths: the id of a cgroup is the inode number of its directory, so the resolver
/// walks the hierarchy once, remembers every directory by inode, and walks again only when asked
/// for an id it does not know, at most once per rescan interval. Thread-safe.
/// <see cref="FindDirectory"/> looks one id up by the name the kernel recorded instead of walking everything.
/// </summary>
public sealed class CgroupPathResolver
{
    private readonly string _root;
    private readonly TimeSpan _rescanInterval;
    private readonly object _gate = new();
    // The kernel copies at most 63 characters of a cgroup's name into a record.
    private const int RecordedNameLength = 63;
    private Dictionary<ulong, string> _paths = [];
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

    /// <summary>A resolver for the cgroup v2 hierarchy (<c>/sys/fs/cgroup</c>, or <c>/sys/fs/cgroup/unified</c> on hybrid hosts); null when it is not mounted.</summary>
    public static CgroupPathResolver? Unified() => Cgroup.MountPoint(CgroupHierarchy.Unified) is { } root ? new CgroupPathResolver(root) : null;

    /// <summary>A resolver for the cgroup v1 memory controller (memcg ids of OOM kills on v1 hosts); null when it is not mounted.</summary>
    public static CgroupPathResolver? MemoryV1() => Cgroup.MountPoint(CgroupHierarchy.MemoryV1) is { } root ? new CgroupPathResolver(root) : null;

    /// <summary>A resolver for the hierarchy memory cgroup ids belong to (<see cref="Cgroup.MemoryControllerMountPoint"/>); null when neither is mounted.</summary>
    public static CgroupPathResolver? MemoryController() => Cgroup.MemoryControllerMountPoint() is { } root ? new CgroupPathResolver(root) : null;

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
    /// The directory (absolute) of cgroup <paramref name="id"/>, found by the last component of its
    /// path as the kernel recorded it (<paramref name="name"/>, at most 63 characters; null: every
    /// directory is looked at): only directories of that name are stat'ed, so one lookup costs a walk
    /// of names, not of inodes. Null when none matches (removed meanwhile). A directory found is
    /// remembered and checked again before it is returned the next time.
    /// </summary>
    public string? FindDirectory(ulong id, string? name)
    {
        if (id == 0)
            return null;
        var relative = Volatile.Read(ref _paths).GetValueOrDefault(id);
        if (relative is not null && Cgroup.TryGetId(_root + relative, out var again) && again == id)
            return relative == "/" ? _root : _root + relative;
        if (Cgroup.TryGetId(_root, out var rootId) && rootId == id)
            return _root;
        var options = new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = true, AttributesToSkip = 0 };
        var truncated = name is { Length: >= RecordedNameLength };
        try
        {
            foreach (var dir in Directory.EnumerateDirectories(_root, "*", options))
            {
                var dirName = Path.GetFileName(dir);
                var candidate = name is null || (truncated ? dirName.StartsWith(name, StringComparison.Ordinal) : dirName == name);
                if (candidate && Cgroup.TryGetId(dir, out var found) && found == id)
                {
                    lock (_gate)
                        Volatile.Write(ref _paths, new Dictionary<ulong, string>(_paths) { [id] = dir[_root.Length..] });
                    return dir;
                }
            }
        }
        catch (IOException)
        {
            // A cgroup was removed while the walk was in it: the one searched for may be gone too.
        }
        return null;
    }

    private Dictionary<ulong, string> Scan()
    {
        var found = new Dictionary<ulong, string>();
        if (Cgroup.TryGetId(_root, out var rootInode))
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
                    if (Cgroup.TryGetId(child, out var inode))
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
