namespace XMonitor.Bpf.Probes.ProcessVm;

/// <summary>One allocation of at least <see cref="ProcessVmOptions.AllocationThresholdBytes"/>.</summary>
public sealed record ProcessVmEvent
{
    /// <summary>The thread that made the call (the kernel's pid), in the initial pid namespace.</summary>
    public required int ThreadId { get; init; }

    /// <summary>Its process id (tgid).</summary>
    public required int ProcessId { get; init; }

    /// <summary>The thread's name (<c>comm</c>).</summary>
    public required string Command { get; init; }

    /// <summary>The thread's cgroup id, of the hierarchy the probe's filter names (cgroup v2 by default).</summary>
    public required ulong CgroupId { get; init; }

    /// <summary>The call.</summary>
    public required ProcessVmOperation Operation { get; init; }

    /// <summary>What kind of address space it added.</summary>
    public required ProcessVmKind Kind { get; init; }

    /// <summary>The start of the new mapping (for brk: the old, page-aligned break).</summary>
    public required ulong Address { get; init; }

    /// <summary>The bytes the call added (page-aligned).</summary>
    public required ulong LengthBytes { get; init; }

    /// <summary>When user space read the record.</summary>
    public required DateTimeOffset Timestamp { get; init; }
}
