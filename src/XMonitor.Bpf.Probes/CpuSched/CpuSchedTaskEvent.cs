namespace XMonitor.Bpf.Probes.CpuSched;

/// <summary>
/// A task came back on a CPU after a long time off it; what <see cref="OffCpuEvent"/> and
/// <see cref="HungTaskEvent"/> share. The kernel writes the record at the moment the task runs
/// again, so <see cref="Duration"/> is complete.
/// </summary>
public abstract record CpuSchedTaskEvent
{
    /// <summary>The thread id (the kernel's pid), in the initial pid namespace.</summary>
    public required int ThreadId { get; init; }

    /// <summary>The process id (tgid), in the initial pid namespace.</summary>
    public required int ProcessId { get; init; }

    /// <summary>The thread's name (<c>comm</c>, at most 15 characters).</summary>
    public required string Command { get; init; }

    /// <summary>The thread's cgroup id, of the hierarchy the probe's filter names (cgroup v2 by default).</summary>
    public required ulong CgroupId { get; init; }

    /// <summary>The state the thread left the CPU in.</summary>
    public required TaskState State { get; init; }

    /// <summary>How long the thread was off the CPU, in nanoseconds.</summary>
    public required ulong DurationNanoseconds { get; init; }

    /// <summary>How long the thread was off the CPU.</summary>
    public TimeSpan Duration => TimeSpan.FromTicks((long)(DurationNanoseconds / 100));

    /// <summary>When user space read the record (shortly after the thread ran again).</summary>
    public required DateTimeOffset Timestamp { get; init; }
}
