namespace XMonitor.Bpf.Probes.CacheStat;

/// <summary>
/// The kernel's raw page cache event counts for one interval (or, inside the probe, cumulative).
/// One unit is a page with the tracepoint strategy and one kernel function call (a page, or a folio
/// of 1 to 512 pages on folio kernels) with the fentry and kprobe strategies; see
/// <see cref="CacheStatProbe"/> for what each strategy counts.
/// </summary>
/// <param name="Accessed">Page cache accesses: read lookups (tracepoints), or <c>folio_mark_accessed</c>/<c>mark_page_accessed</c> calls (fentry, kprobe).</param>
/// <param name="Added">Pages inserted into the page cache: read misses, readahead and pages created by writes.</param>
/// <param name="Dirtied">Clean page cache pages that became dirty.</param>
/// <param name="BufferDirtied"><c>mark_buffer_dirty</c> calls (fentry, kprobe only; always 0 with tracepoints).</param>
/// <param name="FaultAround">Tracepoint strategy only: pages in fault-around windows, an upper bound of cached pages mapped without a fault; not used by the formula.</param>
public readonly record struct CacheStatCounters(ulong Accessed, ulong Added, ulong Dirtied, ulong BufferDirtied, ulong FaultAround)
{
    /// <summary>True when every counter is 0.</summary>
    public bool IsZero => (Accessed | Added | Dirtied | BufferDirtied | FaultAround) == 0;

    /// <summary>
    /// <paramref name="current"/> minus <paramref name="previous"/> field by field. A field that went
    /// down means the kernel's entry was deleted and made again (a reused pid), so the current value
    /// is all new.
    /// </summary>
    internal static CacheStatCounters Delta(in CacheStatCounters current, in CacheStatCounters previous) => new(
        Minus(current.Accessed, previous.Accessed),
        Minus(current.Added, previous.Added),
        Minus(current.Dirtied, previous.Dirtied),
        Minus(current.BufferDirtied, previous.BufferDirtied),
        Minus(current.FaultAround, previous.FaultAround));

    internal static CacheStatCounters From(in CachestatSkeleton.CachestatCounters c)
        => new(c.Accessed, c.Added, c.Dirtied, c.BufferDirtied, c.FaultAround);

    internal CacheStatCounters Plus(in CacheStatCounters other) => new(
        Accessed + other.Accessed, Added + other.Added, Dirtied + other.Dirtied,
        BufferDirtied + other.BufferDirtied, FaultAround + other.FaultAround);

    private static ulong Minus(ulong current, ulong previous) => current >= previous ? current - previous : current;
}
