namespace XMonitor.Bpf.Probes.CacheStat;

/// <summary>
/// Page cache hits, misses and dirtied pages of one interval, derived from the raw counters as BCC's
/// cachestat does:
/// <c>accesses = Accessed - BufferDirtied</c>, <c>misses = Added - Dirtied</c> (each clamped at 0),
/// <c>hits = accesses - misses</c>; when that is negative (readahead inserted more pages than were
/// asked for), <c>misses = accesses</c> and <c>hits = 0</c>.
/// </summary>
public sealed class CacheStatCounts
{
    internal CacheStatCounts(CacheStatCounters raw)
    {
        Raw = raw;
        var accesses = raw.Accessed > raw.BufferDirtied ? raw.Accessed - raw.BufferDirtied : 0;
        var misses = raw.Added > raw.Dirtied ? raw.Added - raw.Dirtied : 0;
        if (misses > accesses)
            misses = accesses;
        Accesses = accesses;
        Misses = misses;
        Hits = accesses - misses;
    }

    /// <summary>The counters the derived values come from.</summary>
    public CacheStatCounters Raw { get; }

    /// <summary>Page cache accesses, not counting buffer dirtying: <see cref="Hits"/> + <see cref="Misses"/>.</summary>
    public ulong Accesses { get; }

    /// <summary>Accesses that found the page cached.</summary>
    public ulong Hits { get; }

    /// <summary>Accesses that had to insert the page (read it from storage): pages added less pages added by writes.</summary>
    public ulong Misses { get; }

    /// <summary>Pages that became dirty (<see cref="CacheStatCounters.Dirtied"/>).</summary>
    public ulong Dirtied => Raw.Dirtied;

    /// <summary>
    /// <see cref="Hits"/> / <see cref="Accesses"/>, between 0 and 1; null when there were no
    /// accesses, because a ratio of nothing is unknown rather than good (1) or bad (0).
    /// </summary>
    public double? HitRatio => Accesses == 0 ? null : (double)Hits / Accesses;

    /// <summary>True when nothing at all was counted.</summary>
    public bool IsEmpty => Raw.IsZero;
}
