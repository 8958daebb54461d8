namespace XMonitor.Bpf.Probes.BioLatency;

/// <summary>A block request whose service time reached <see cref="BioLatencyOptions.SlowThreshold"/>, reported at its completion.</summary>
public sealed record SlowBlockIoEvent
{
    /// <summary>The disk.</summary>
    public required BlockDevice Disk { get; init; }

    /// <summary>The operation.</summary>
    public required BlockIoOperation Operation { get; init; }

    /// <summary>The first sector (512 bytes) of the request.</summary>
    public required ulong Sector { get; init; }

    /// <summary>The bytes completed.</summary>
    public required uint Bytes { get; init; }

    /// <summary>The completion status (the kernel's <c>blk_status_t</c>); 0 is success.</summary>
    public required int Status { get; init; }

    /// <summary>Time from insert into the I/O scheduler to issue, in nanoseconds; 0 when the request bypassed the scheduler or was inserted before the probe started.</summary>
    public required ulong QueueNanoseconds { get; init; }

    /// <summary>Time from issue to the driver until completion, in nanoseconds.</summary>
    public required ulong ServiceNanoseconds { get; init; }

    /// <summary>The time in the scheduler's queue.</summary>
    public TimeSpan QueueTime => TimeSpan.FromTicks((long)(QueueNanoseconds / 100));

    /// <summary>The service time.</summary>
    public TimeSpan ServiceTime => TimeSpan.FromTicks((long)(ServiceNanoseconds / 100));

    /// <summary>
    /// The process (tgid, initial pid namespace) that inserted the request, or issued it when it
    /// bypassed the scheduler: often a kernel worker for writeback and plug flushes, not the writer.
    /// </summary>
    public required int ProcessId { get; init; }

    /// <summary>The thread that inserted or issued the request.</summary>
    public required int ThreadId { get; init; }

    /// <summary>That thread's name (<c>comm</c>, at most 15 characters).</summary>
    public required string Command { get; init; }

    /// <summary>When user space read the record (shortly after the completion).</summary>
    public required DateTimeOffset Timestamp { get; init; }
}
