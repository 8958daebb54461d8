using System.Globalization;

namespace XMonitor.Bpf.Probes;

/// <summary>
/// Which processes a probe records, decided in the kernel. Every id is as the initial namespaces see
/// it (the monitoring agent's view), never a container's. Create one with the static members; they
/// check their arguments and resolve paths at once, so a filter that exists is usable.
/// </summary>
public sealed class ProcessFilter
{
    private ProcessFilter(ProcessFilterKind kind, ulong value, CgroupHierarchy hierarchy, string description)
    {
        Kind = kind;
        Value = value;
        Hierarchy = hierarchy;
        _description = description;
    }

    private readonly string _description;

    /// <summary>Records every task.</summary>
    public static ProcessFilter All { get; } = new(ProcessFilterKind.All, 0, CgroupHierarchy.Unified, "all processes");

    /// <summary>What the filter compares.</summary>
    public ProcessFilterKind Kind { get; }

    /// <summary>The value compared with: a pid, pgid, pid namespace inode or cgroup id; 0 for <see cref="ProcessFilterKind.All"/>.</summary>
    public ulong Value { get; }

    /// <summary>
    /// The cgroup hierarchy this filter's cgroup id belongs to. A probe reports cgroup ids of the
    /// same hierarchy, so a per-cgroup aggregation under a v1 memory filter keys by v1 memory ids.
    /// </summary>
    public CgroupHierarchy Hierarchy { get; }

    /// <summary>The threads of process <paramref name="pid"/> (its tgid).</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="pid"/> is not positive.</exception>
    public static ProcessFilter Pid(int pid)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(pid);
        return new(ProcessFilterKind.Pid, (ulong)pid, CgroupHierarchy.Unified, $"pid {pid}");
    }

    /// <summary>The processes of process group <paramref name="pgid"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="pgid"/> is not positive.</exception>
    public static ProcessFilter ProcessGroup(int pgid)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(pgid);
        return new(ProcessFilterKind.ProcessGroup, (ulong)pgid, CgroupHierarchy.Unified, $"process group {pgid}");
    }

    /// <summary>The tasks of the pid namespace with inode number <paramref name="inode"/> (N in <c>pid:[N]</c> of <c>readlink /proc/PID/ns/pid</c>).</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="inode"/> is 0.</exception>
    public static ProcessFilter PidNamespace(uint inode)
    {
        ArgumentOutOfRangeException.ThrowIfZero(inode);
        return new(ProcessFilterKind.PidNamespace, inode, CgroupHierarchy.Unified, $"pid namespace {inode}");
    }

    /// <summary>The tasks of the pid namespace process <paramref name="pid"/> lives in.</summary>
    /// <exception cref="ArgumentException">The process does not exist or its namespace cannot be read.</exception>
    public static ProcessFilter PidNamespaceOf(int pid)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(pid);
        var link = $"/proc/{pid}/ns/pid";
        string? target;
        try
        {
            target = new FileInfo(link).LinkTarget;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ArgumentException($"cannot read the pid namespace of process {pid} ({link}): {e.Message}", nameof(pid), e);
        }
        // The link reads "pid:[4026531836]".
        if (target is null || !target.StartsWith("pid:[", StringComparison.Ordinal) || !target.EndsWith(']')
            || !uint.TryParse(target.AsSpan(5, target.Length - 6), NumberStyles.None, CultureInfo.InvariantCulture, out var inode))
            throw new ArgumentException($"process {pid} does not exist or {link} is not a pid namespace link ('{target}')", nameof(pid));
        return PidNamespace(inode);
    }

    /// <summary>
    /// The tasks directly in the cgroup at <paramref name="path"/> (a directory of a mounted cgroup v2
    /// hierarchy, or of the cgroup v1 memory controller's). The hierarchy is taken from the mount the
    /// path is on; the id is the inode number of the directory, which is the kernel's cgroup id.
    /// </summary>
    /// <exception cref="ArgumentException">The path is not a cgroup directory of either hierarchy.</exception>
    public static ProcessFilter Cgroup(string path)
    {
        var (id, hierarchy) = CgroupResolver.Resolve(path);
        return new(ProcessFilterKind.Cgroup, id, hierarchy, $"cgroup {path} (id {id}, {Describe(hierarchy)})");
    }

    /// <summary>The tasks directly in the cgroup with id <paramref name="id"/> of <paramref name="hierarchy"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="id"/> is 0 or the hierarchy is unknown.</exception>
    public static ProcessFilter CgroupId(ulong id, CgroupHierarchy hierarchy = CgroupHierarchy.Unified)
    {
        ArgumentOutOfRangeException.ThrowIfZero(id);
        if (!Enum.IsDefined(hierarchy))
            throw new ArgumentOutOfRangeException(nameof(hierarchy), hierarchy, "unknown cgroup hierarchy");
        return new(ProcessFilterKind.Cgroup, id, hierarchy, $"cgroup id {id} ({Describe(hierarchy)})");
    }

    /// <summary>Describes the filter for logs, for example <c>pid 1234</c>.</summary>
    public override string ToString() => _description;

    private static string Describe(CgroupHierarchy hierarchy)
        => hierarchy == CgroupHierarchy.MemoryV1 ? "cgroup v1 memory" : "cgroup v2";
}
