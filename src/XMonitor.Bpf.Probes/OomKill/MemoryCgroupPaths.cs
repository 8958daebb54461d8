using System.Collections.Concurrent;

namespace XMonitor.Bpf.Probes.OomKill;

/// <summary>
/// Finds the directory of a memory cgroup from the id the kernel reports (the directory's inode
/// number in the hierarchy the memory controller is bound to: its cgroup v1 mount if there is one,
/// cgroup v2 otherwise).
/// </summary>
internal sealed class MemoryCgroupPaths
{
    // The kernel copies at most 63 characters of a cgroup's name into a record.
    private const int RecordedNameLength = 63;
    private readonly ConcurrentDictionary<ulong, string> _known = new();

    private MemoryCgroupPaths(string root) => Root = root;

    /// <summary>The mount point of the memory controller's hierarchy.</summary>
    public string Root { get; }

    /// <summary>The hierarchy the memory controller is mounted in, or null if it is mounted nowhere.</summary>
    public static MemoryCgroupPaths? Find()
    {
        string? v1 = null, v2 = null;
        foreach (var mount in MountInfoEntry.Read())
        {
            if (mount.FileSystemType == "cgroup" && mount.SuperOptions.Split(',').Contains("memory"))
                v1 ??= mount.MountPoint;
            else if (mount.FileSystemType == "cgroup2")
                v2 ??= mount.MountPoint;
        }
        // A controller bound to a v1 hierarchy is absent from v2.
        return (v1 ?? v2) is { } root ? new MemoryCgroupPaths(root) : null;
    }

    /// <summary>
    /// The directory of memory cgroup <paramref name="id"/>, whose last path component the kernel
    /// recorded as <paramref name="name"/> (null: not recorded, every directory is stat'ed); null if none matches.
    /// </summary>
    public string? Resolve(ulong id, string? name)
    {
        if (id == 0)
            return null;
        if (_known.TryGetValue(id, out var cached) && IdOf(cached) == id)
            return cached;
        var found = Search(id, name);
        if (found is not null)
            _known[id] = found;
        else
            _known.TryRemove(id, out _);
        return found;
    }

    private string? Search(ulong id, string? name)
    {
        if (IdOf(Root) == id)
            return Root;
        var options = new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = true, AttributesToSkip = 0 };
        var truncated = name is { Length: >= RecordedNameLength };
        try
        {
            // The name narrows the walk to a few directories; only those are stat'ed.
            foreach (var dir in Directory.EnumerateDirectories(Root, "*", options))
            {
                var dirName = Path.GetFileName(dir);
                var candidate = name is null || (truncated ? dirName.StartsWith(name, StringComparison.Ordinal) : dirName == name);
                if (candidate && IdOf(dir) == id)
                    return dir;
            }
        }
        catch (IOException)
        {
            // A cgroup was removed while the walk was in it: the one searched for may be gone too.
        }
        return null;
    }

    private static ulong IdOf(string dir)
    {
        try
        {
            return CgroupResolver.Resolve(dir).Id;
        }
        catch (ArgumentException)
        {
            // Removed since: no id.
            return 0;
        }
    }
}
