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
        CgroupHierarchy hierarchy;
        if (mount.FsType == "cgroup2")
            hierarchy = CgroupHierarchy.Unified;
        else if (mount.FsType == "cgroup" && mount.SuperOptions.Split(',').Contains("memory"))
            hierarchy = CgroupHierarchy.MemoryV1;
        else
            throw new ArgumentException(
                $"'{path}' is on {mount.FsType} mounted at {mount.MountPoint} ({mount.SuperOptions}): a cgroup filter needs a directory of the cgroup v2 hierarchy or of the cgroup v1 memory controller",
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

    private static IEnumerable<string> MountPoints(CgroupHierarchy hierarchy)
    {
        foreach (var line in File.ReadLines("/proc/self/mountinfo"))
        {
            if (ParseMount(line) is not { } mount)
                continue;
            if (hierarchy == CgroupHierarchy.Unified ? mount.FsType == "cgroup2" : mount.FsType == "cgroup" && mount.SuperOptions.Split(',').Contains("memory"))
                yield return mount.MountPoint;
        }
    }

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

    private static (string MountPoint, string FsType, string SuperOptions)? FindMount(string path)
    {
        (string MountPoint, string FsType, string SuperOptions)? best = null;
        foreach (var line in File.ReadLines("/proc/self/mountinfo"))
        {
            if (ParseMount(line) is not { } mount)
                continue;
            var covers = path == mount.MountPoint || path.StartsWith(mount.MountPoint == "/" ? "/" : mount.MountPoint + "/", StringComparison.Ordinal);
            // Later lines are later mounts: on an equal mount point the last one is visible.
            if (covers && (best is null || mount.MountPoint.Length >= best.Value.MountPoint.Length))
                best = mount;
        }
        return best;
    }

    private static (string MountPoint, string FsType, string SuperOptions)? ParseMount(string line)
    {
        // "36 35 98:0 /root /mnt/point rw,noatime shared:1 - fstype source super,options"
        var separator = line.IndexOf(" - ", StringComparison.Ordinal);
        if (separator < 0)
            return null;
        var fields = line[..separator].Split(' ');
        var tail = line[(separator + 3)..].Split(' ');
        if (fields.Length < 5 || tail.Length < 3)
            return null;
        return (Unescape(fields[4]), tail[0], tail[2]);
    }

    // mountinfo escapes space, tab, newline and backslash as \ooo octal.
    private static string Unescape(string field)
    {
        if (!field.Contains('\\'))
            return field;
        var sb = new System.Text.StringBuilder(field.Length);
        for (var i = 0; i < field.Length; i++)
        {
            if (field[i] == '\\' && IsOctal(field, i + 1))
            {
                sb.Append((char)Convert.ToInt32(field.Substring(i + 1, 3), 8));
                i += 3;
            }
            else
            {
                sb.Append(field[i]);
            }
        }
        return sb.ToString();
    }

    private static bool IsOctal(string s, int start)
        => start + 3 <= s.Length && s[start] is >= '0' and <= '7' && s[start + 1] is >= '0' and <= '7' && s[start + 2] is >= '0' and <= '7';

    [LibraryImport("libc", EntryPoint = "stat", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Stat(string path, byte* buffer);
}
