namespace XMonitor.Bpf.Probes.BioLatency;

/// <summary>One interval's reading of the block I/O probe: latency histograms and counters per disk and operation.</summary>
public sealed class BlockIoLatency
{
    internal BlockIoLatency(DateTimeOffset timestamp, TimeSpan interval, HistogramUnit unit, IReadOnlyList<BlockIoOperationLatency> operations)
    {
        Timestamp = timestamp;
        Interval = interval;
        Unit = unit;
        Operations = operations;
    }

    /// <summary>When the maps were read.</summary>
    public DateTimeOffset Timestamp { get; }

    /// <summary>The time the deltas cover: since the previous reading (or the start).</summary>
    public TimeSpan Interval { get; }

    /// <summary>The unit of every histogram's values.</summary>
    public HistogramUnit Unit { get; }

    /// <summary>One entry per disk and operation seen since the probe started, ordered by device and operation (quiet ones have empty deltas).</summary>
    public IReadOnlyList<BlockIoOperationLatency> Operations { get; }
}
