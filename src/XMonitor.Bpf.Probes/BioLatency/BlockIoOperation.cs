namespace XMonitor.Bpf.Probes.BioLatency;

/// <summary>The operation of a block request (the kernel side's <c>enum biolatency_op</c>, from the kernel's <c>REQ_OP_*</c>).</summary>
public enum BlockIoOperation
{
    /// <summary>A read.</summary>
    Read = 0,
    /// <summary>A write.</summary>
    Write = 1,
    /// <summary>A cache flush (what fsync and journal commits send to a disk with a volatile write cache).</summary>
    Flush = 2,
    /// <summary>A discard (TRIM), a secure erase or a write of zeroes.</summary>
    Discard = 3,
    /// <summary>Anything else: zone management, driver-private requests.</summary>
    Other = 4,
}
