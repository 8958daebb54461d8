namespace XMonitor.Bpf.Probes.FsLatency;

/// <summary>
/// One file system and operation in a <see cref="FsLatencySample"/>: the latency histogram (µs)
/// and counters of the interval and since the probe started.
/// </summary>
public sealed record FsOperationLatency
{
    /// <summary>The major number of the file system's device (<c>st_dev</c>).</summary>
    public required uint Major { get; init; }

    /// <summary>The minor number of the file system's device.</summary>
    public required uint Minor { get; init; }

    /// <summary>The file system's mount, when it was in <c>/proc/self/mountinfo</c> at start or at the reading; null otherwise.</summary>
    public FileSystemMount? Mount { get; init; }

    /// <summary>The operation.</summary>
    public required FsOperation Operation { get; init; }

    /// <summary>Latency (call to return) of the calls completed in the interval, in microseconds.</summary>
    public required Log2Histogram Latency { get; init; }

    /// <summary>Latency of every call completed since the probe started.</summary>
    public required Log2Histogram LatencyCumulative { get; init; }

    /// <summary>The interval's calls, errors and bytes.</summary>
    public required FsCounters Counters { get; init; }

    /// <summary>The same counters since the probe started.</summary>
    public required FsCounters CountersCumulative { get; init; }
}
