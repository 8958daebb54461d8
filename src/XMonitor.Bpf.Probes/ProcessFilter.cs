using System.ComponentModel;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace XMonitor.Bpf.Probes;

/// <summary>
/// Which processes a probe records, decided in the kernel. Every id is as the initial namespaces see
/// it (the monitoring agent's view), never a container's. Create one with the static members; they
/// check their arguments and resolve paths at once, so a filter that exists is usable, or parse one
/// from text (<see cref="Parse(string)"/>), which is also how configuration binds it
/// (<c>"Filter": "cgroup:/sys/fs/cgroup/my.slice"</c> in appsettings.json).
/// </summary>
[TypeConverter(typeof(ProcessFilterConverter))]
public sealed class ProcessFilter : IParsable<ProcessFilter>
{
    /// <summary>The forms <see cref="Parse(string)"/> takes, for messages.</summary>
    public const string TextForms = "all, pid:N, pgid:N, pid_namespace:INODE, pid_namespace_of:N, cgroup:PATH or cgroup_id:N";

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
        var (id, hierarchy) = XMonitor.Bpf.Cgroup.Resolve(path);
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

    /// <summary>
    /// A filter from text: <c>all</c>, <c>pid:1234</c>, <c>pgid:1234</c>, <c>pid_namespace:4026531836</c>,
    /// <c>pid_namespace_of:1234</c>, <c>cgroup:/sys/fs/cgroup/my.slice</c> or <c>cgroup_id:1234</c>.
    /// </summary>
    /// <exception cref="FormatException">The text has none of these forms, or its number does not parse; names the forms.</exception>
    /// <exception cref="ArgumentException">The value is out of range, or the cgroup path is not a cgroup directory.</exception>
    public static ProcessFilter Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        text = text.Trim();
        if (text == "all")
            return All;
        var colon = text.IndexOf(':', StringComparison.Ordinal);
        var kind = colon < 0 ? text : text[..colon].Trim();
        var argument = colon < 0 ? "" : text[(colon + 1)..].Trim();
        if (colon < 0 || kind is not ("pid" or "pgid" or "pid_namespace" or "pid_namespace_of" or "cgroup" or "cgroup_id"))
            throw new FormatException($"expected {TextForms}, got '{text}'");
        try
        {
            return kind switch
            {
                "pid" => Pid(int.Parse(argument, CultureInfo.InvariantCulture)),
                "pgid" => ProcessGroup(int.Parse(argument, CultureInfo.InvariantCulture)),
                "pid_namespace" => PidNamespace(uint.Parse(argument, CultureInfo.InvariantCulture)),
                "pid_namespace_of" => PidNamespaceOf(int.Parse(argument, CultureInfo.InvariantCulture)),
                "cgroup" => Cgroup(argument),
                _ => CgroupId(ulong.Parse(argument, CultureInfo.InvariantCulture)),
            };
        }
        catch (Exception e) when (e is FormatException or OverflowException)
        {
            throw new FormatException($"'{text}': {kind} takes a number ({e.Message})", e);
        }
    }

    /// <inheritdoc cref="Parse(string)"/>
    static ProcessFilter IParsable<ProcessFilter>.Parse(string s, IFormatProvider? provider) => Parse(s);

    /// <summary>Like <see cref="Parse(string)"/>, false instead of an exception.</summary>
    public static bool TryParse([NotNullWhen(true)] string? s, IFormatProvider? provider, [MaybeNullWhen(false)] out ProcessFilter result)
    {
        try
        {
            result = s is null ? null : Parse(s);
            return result is not null;
        }
        catch (Exception e) when (e is FormatException or ArgumentException or IOException)
        {
            result = null;
            return false;
        }
    }

    /// <summary>Describes the filter for logs, for example <c>pid 1234</c>.</summary>
    public override string ToString() => _description;

    private static string Describe(CgroupHierarchy hierarchy)
        => hierarchy == CgroupHierarchy.MemoryV1 ? "cgroup v1 memory" : "cgroup v2";
}
