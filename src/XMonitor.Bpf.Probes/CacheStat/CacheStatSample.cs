namespace XMonitor.Bpf.Probes.CacheStat;

/// <summary>One interval of <see cref="CacheStatProbe"/>: the system's page cache activity, the busiest processes and the page cache size.</summary>
public sealed class CacheStatSample
{
    private const double BytesPerMegabyte = 1024 * 1024;

    internal CacheStatSample(DateTimeOffset timestamp, TimeSpan interval, BpfAttachKind attachStrategy, CacheStatCounts system,
        IReadOnlyList<CacheStatProcess> processes, CacheStatCounts otherProcesses, int otherProcessCount, ulong buffersBytes, ulong cachedBytes)
    {
        Timestamp = timestamp;
        Interval = interval;
        AttachStrategy = attachStrategy;
        System = system;
        Processes = processes;
        OtherProcesses = otherProcesses;
        OtherProcessCount = otherProcessCount;
        BuffersBytes = buffersBytes;
        CachedBytes = cachedBytes;
    }

    /// <summary>When the counters were read.</summary>
    public DateTimeOffset Timestamp { get; }

    /// <summary>The time the counts cover: since the previous sample (or the start).</summary>
    public TimeSpan Interval { get; }

    /// <summary>How the counts were taken, which decides their unit: pages with <see cref="BpfAttachKind.BtfRawTracepoint"/>, function calls (pages or folios) with fentry and kprobe.</summary>
    public BpfAttachKind AttachStrategy { get; }

    /// <summary>Every process's activity, whatever the filter.</summary>
    public CacheStatCounts System { get; }

    /// <summary>
    /// Processes that passed the filter and did something in the interval or exited, most accesses plus dirtied
    /// pages first, at most <see cref="CacheStatOptions.TopProcesses"/>.
    /// </summary>
    public IReadOnlyList<CacheStatProcess> Processes { get; }

    /// <summary>
    /// The processes that passed the filter and did something in the interval but are not in
    /// <see cref="Processes"/> (beyond <see cref="CacheStatOptions.TopProcesses"/>): their raw counts
    /// added up, and the counts derived from that sum. With <see cref="Processes"/> it holds every
    /// count the kernel kept per process.
    /// </summary>
    public CacheStatCounts OtherProcesses { get; }

    /// <summary>How many processes <see cref="OtherProcesses"/> adds up; 0 when <see cref="Processes"/> lists them all.</summary>
    public int OtherProcessCount { get; }

    /// <summary><c>Buffers</c> of <c>/proc/meminfo</c> in bytes: block device page cache (metadata).</summary>
    public ulong BuffersBytes { get; }

    /// <summary><c>Cached</c> of <c>/proc/meminfo</c> in bytes: the file page cache.</summary>
    public ulong CachedBytes { get; }

    /// <summary><see cref="BuffersBytes"/> in MiB, as BCC's cachestat prints BUFFERS_MB.</summary>
    public double BuffersMegabytes => BuffersBytes / BytesPerMegabyte;

    /// <summary><see cref="CachedBytes"/> in MiB, as BCC's cachestat prints CACHED_MB.</summary>
    public double CachedMegabytes => CachedBytes / BytesPerMegabyte;
}
