namespace XMonitor.Bpf.Probes.CpuSched;

/// <summary>
/// One interval's reading of the run-queue latency histograms: how long tasks waited in a run queue
/// between becoming runnable (woken, or preempted while runnable) and getting a CPU.
/// </summary>
public sealed class RunQueueLatency
{
    internal RunQueueLatency(DateTimeOffset timestamp, TimeSpan interval, HistogramUnit unit, CpuSchedAggregation aggregation, IReadOnlyList<RunQueueLatencyHistogram> histograms)
    {
        Timestamp = timestamp;
        Interval = interval;
        Unit = unit;
        Aggregation = aggregation;
        Histograms = histograms;
    }

    /// <summary>When the histograms were read.</summary>
    public DateTimeOffset Timestamp { get; }

    /// <summary>The time the deltas cover: since the previous reading (or the start).</summary>
    public TimeSpan Interval { get; }

    /// <summary>The unit of the histograms' values.</summary>
    public HistogramUnit Unit { get; }

    /// <summary>What the histograms' keys mean.</summary>
    public CpuSchedAggregation Aggregation { get; }

    /// <summary>One entry per key seen since the probe started, ordered by key (keys without new values have an empty delta).</summary>
    public IReadOnlyList<RunQueueLatencyHistogram> Histograms { get; }
}
