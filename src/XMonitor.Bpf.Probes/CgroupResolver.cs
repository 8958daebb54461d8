using System.Runtime.InteropServices;

namespace XMonitor.Bpf.Probes;

/// <summary>Turns a cgroup directory into the id the kernel uses for it and the hierarchy it belongs to.</summary>
internal static unsafe partial class CgroupResolver
{
    // struct stat is 144 bytes on x86-64 and 128 on arm64; st_ino follows the 8-byte st_dev on both.
    private const int StatBufferSize = 256;
    private const int InodeOffset = 8;

    public static (ulong Id, CgroupHierarchy Hierarchy) Resolve(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(path));
        if (!Directory.Exists(full))
            throw new ArgumentException($"cgroup directory '{path}' does not exist", nameof(path));
        var mount = FindMount(full)
            ?? throw new ArgumentException($"'{path}' is not on a mounted file system listed in /proc/self/mountinfo", nameof(path));
        var hierarchy = HierarchyOf(mount) ?? throw new ArgumentException(
            $"'{path}' is on {mount.FileSystemType} mounted at {mount.MountPoint} ({mount.SuperOptions}): a cgroup filter needs a directory of the cgroup v2 hierarchy or of the cgroup v1 memory controller",
            nameof(path));
        return (Inode(full), hierarchy);
    }

    /// <summary>
    /// The ids of every cgroup of <paramref name="hierarchy"/> visible here (a walk of its mount),
    /// for telling which ids a map holds for cgroups that were removed; empty when it is not mounted.
    /// </summary>
    public static HashSet<ulong> LiveIds(CgroupHierarchy hierarchy)
    {
        var ids = new HashSet<ulong>();
        var walk = new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = true, AttributesToSkip = 0 };
        foreach (var root in MountPoints(hierarchy))
        {
            foreach (var dir in Directory.EnumerateDirectories(root, "*", walk).Prepend(root))
            {
                if (TryInode(dir, out var id))
                    ids.Add(id);
            }
        }
        return ids;
    }

    private static IEnumerable<string> MountPoints(CgroupHierarchy hierarchy) =>
        MountInfoEntry.Read().Where(m => HierarchyOf(m) == hierarchy).Select(m => m.MountPoint);

    /// <summary>The cgroup hierarchy a mount is, or null when it is neither cgroup v2 nor the v1 memory controller.</summary>
    private static CgroupHierarchy? HierarchyOf(MountInfoEntry mount) => mount.FileSystemType switch
    {
        "cgroup2" => CgroupHierarchy.Unified,
        "cgroup" when mount.SuperOptions.Split(',').Contains("memory") => CgroupHierarchy.MemoryV1,
        _ => null,
    };

    private static bool TryInode(string path, out ulong inode)
    {
        var buffer = stackalloc byte[StatBufferSize];
        inode = Stat(path, buffer) == 0 ? *(ulong*)(buffer + InodeOffset) : 0;
        return inode != 0;
    }

    private static ulong Inode(string path)
    {
        var buffer = stackalloc byte[StatBufferSize];
        if (Stat(path, buffer) != 0)
            throw new ArgumentException($"stat('{path}') failed with errno {Marshal.GetLastPInvokeError()}", nameof(path));
        return *(ulong*)(buffer + InodeOffset);
    }

    private static MountInfoEntry? FindMount(string path)
    {
        MountInfoEntry? best = null;
        foreach (var mount in MountInfoEntry.Read())
        {
            var covers = path == mount.MountPoint || path.StartsWith(mount.MountPoint == "/" ? "/" : mount.MountPoint + "/", StringComparison.Ordinal);
            // Later lines are later mounts: on an equal mount point the last one is visible.
            if (covers && (best is null || mount.MountPoint.Length >= best.MountPoint.Length))
                best = mount;
        }
        return best;
    }

    [LibraryImport("libc", EntryPoint = "stat", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Stat(string path, byte* buffer);
}
