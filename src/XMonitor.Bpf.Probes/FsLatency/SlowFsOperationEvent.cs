namespace XMonitor.Bpf.Probes.FsLatency;

/// <summary>A call on a selected file system that took at least <see cref="FsLatencyOptions.SlowThreshold"/> (BCC's nfsslower).</summary>
public sealed record SlowFsOperationEvent
{
    /// <summary>The operation.</summary>
    public required FsOperation Operation { get; init; }

    /// <summary>
    /// The file's name: the last path component of the open file, or for a path-based stat the path
    /// as the caller passed it; truncated to 63 bytes.
    /// </summary>
    public required string FileName { get; init; }

    /// <summary>The file's inode number; 0 when unknown (path-based stat).</summary>
    public required ulong Inode { get; init; }

    /// <summary>The major number of the file system's device.</summary>
    public required uint Major { get; init; }

    /// <summary>The minor number of the file system's device.</summary>
    public required uint Minor { get; init; }

    /// <summary>The call's return value: bytes for reads and writes, the descriptor for opens, 0 or -errno otherwise.</summary>
    public required long Result { get; init; }

    /// <summary>Bytes asked for by a read or write; 0 for the other operations.</summary>
    public required ulong RequestedBytes { get; init; }

    /// <summary>Bytes read or written (the result of a successful read or write); 0 otherwise.</summary>
    public ulong Bytes => Operation is FsOperation.Read or FsOperation.Write && Result > 0 ? (ulong)Result : 0;

    /// <summary>From the call's entry to its return, in nanoseconds.</summary>
    public required ulong LatencyNanoseconds { get; init; }

    /// <summary>From the call's entry to its return.</summary>
    public TimeSpan Latency => TimeSpan.FromTicks((long)(LatencyNanoseconds / 100));

    /// <summary>The calling process (tgid, initial pid namespace).</summary>
    public required int ProcessId { get; init; }

    /// <summary>The calling thread.</summary>
    public required int ThreadId { get; init; }

    /// <summary>The calling thread's name (<c>comm</c>, at most 15 characters).</summary>
    public required string Command { get; init; }

    /// <summary>When user space read the record (shortly after the call returned).</summary>
    public required DateTimeOffset Timestamp { get; init; }
}
