using System.Runtime.InteropServices;
using XMonitor.Bpf.Interop;

namespace XMonitor.Bpf;

/// <summary>
/// Cgroup ids as BPF programs see them (<c>bpf_get_current_cgroup_id()</c>, a memory cgroup's id):
/// the inode number of the cgroup's directory in its hierarchy. Turns directories into ids and finds
/// where each hierarchy is mounted; <see cref="CgroupPathResolver"/> goes the other way.
/// </summary>
public static class Cgroup
{
    /// <summary>The id and hierarchy of the cgroup directory at <paramref name="path"/> (cgroup v2, or the cgroup v1 memory controller's).</summary>
    /// <exception cref="ArgumentException">The path does not exist, or is not a directory of either hierarchy.</exception>
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
        if (!LibC.TryGetInode(full, out var id))
            throw new ArgumentException($"stat('{path}') failed with errno {Marshal.GetLastPInvokeError()}", nameof(path));
        return (id, hierarchy);
    }

    /// <summary>The id of the cgroup directory at <paramref name="path"/> (its inode number); false when it cannot be read (removed meanwhile).</summary>
    public static bool TryGetId(string path, out ulong id) => LibC.TryGetInode(path, out id);

    /// <summary>Where <paramref name="hierarchy"/> is mounted here (its first mount), or null when it is not.</summary>
    public static string? MountPoint(CgroupHierarchy hierarchy) => MountPoints(hierarchy).FirstOrDefault();

    /// <summary>
    /// Where the memory controller's hierarchy is mounted: its cgroup v1 mount if there is one (a
    /// controller bound to v1 is absent from v2), cgroup v2 otherwise; null when neither is mounted.
    /// Memory cgroup ids (of OOM kills) are ids of that hierarchy.
    /// </summary>
    public static string? MemoryControllerMountPoint() => MountPoint(CgroupHierarchy.MemoryV1) ?? MountPoint(CgroupHierarchy.Unified);

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
                if (LibC.TryGetInode(dir, out var id))
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
}
