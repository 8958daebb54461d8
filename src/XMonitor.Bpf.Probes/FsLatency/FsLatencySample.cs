namespace XMonitor.Bpf.Probes.FsLatency;

/// <summary>One interval's reading of the file-system latency probe: histograms and counters per file system and operation.</summary>
public sealed class FsLatencySample
{
    internal FsLatencySample(DateTimeOffset timestamp, TimeSpan interval, IReadOnlyList<FsOperationLatency> operations)
    {
        Timestamp = timestamp;
        Interval = interval;
        Operations = operations;
    }

    /// <summary>When the maps were read.</summary>
    public DateTimeOffset Timestamp { get; }

    /// <summary>The time the deltas cover: since the previous reading (or the start).</summary>
    public TimeSpan Interval { get; }

    /// <summary>
    /// One entry per file system and operation seen since the probe started, ordered by device and
    /// operation (quiet ones have empty deltas); never empty, as readings start with the first call seen.
    /// </summary>
    public IReadOnlyList<FsOperationLatency> Operations { get; }
}
