namespace XMonitor.Bpf.Probes.FsLatency;

/// <summary>Counters of one file system and operation.</summary>
/// <param name="Operations">Calls completed and timed.</param>
/// <param name="Errors">Calls that returned an error.</param>
/// <param name="Bytes">Bytes read or written (reads and writes only).</param>
public readonly record struct FsCounters(ulong Operations, ulong Errors, ulong Bytes)
{
    /// <summary>What was counted after <paramref name="earlier"/>; these counters as they are when one went down (the kernel's entry was recreated).</summary>
    internal FsCounters Subtract(FsCounters earlier)
        => Operations < earlier.Operations || Errors < earlier.Errors || Bytes < earlier.Bytes
            ? this
            : new(Operations - earlier.Operations, Errors - earlier.Errors, Bytes - earlier.Bytes);
}
