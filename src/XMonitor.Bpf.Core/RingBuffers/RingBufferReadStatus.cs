namespace XMonitor.Bpf;

/// <summary>What <see cref="BpfRingBuffer.TryRead"/> found; statuses, not exceptions, because the read loop is hot.</summary>
public enum RingBufferReadStatus
{
    /// <summary>A record was copied.</summary>
    Record,
    /// <summary>No record is waiting.</summary>
    Empty,
    /// <summary>The next record is still being written by the kernel (reserved, not yet submitted).</summary>
    Busy,
    /// <summary>The destination is shorter than the next record, which was left in the ring; the length is returned.</summary>
    DestinationTooSmall,
}
