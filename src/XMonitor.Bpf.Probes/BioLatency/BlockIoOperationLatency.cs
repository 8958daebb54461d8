namespace XMonitor.Bpf.Probes.BioLatency;

/// <summary>
/// One disk and operation in a <see cref="BlockIoLatency"/> reading: what the interval added and
/// everything since the probe started, for the latency histograms and the counters.
/// </summary>
public sealed record BlockIoOperationLatency
{
    /// <summary>The disk.</summary>
    public required BlockDevice Disk { get; init; }

    /// <summary>The operation.</summary>
    public required BlockIoOperation Operation { get; init; }

    /// <summary>Service time (issue to the driver until completion) of the requests completed in the interval.</summary>
    public required Log2Histogram ServiceTime { get; init; }

    /// <summary>Service time of every request completed since the probe started.</summary>
    public required Log2Histogram ServiceTimeCumulative { get; init; }

    /// <summary>
    /// Queue time (insert into the I/O scheduler until issue) of the requests issued in the interval.
    /// Requests that bypass the scheduler (the <c>none</c> scheduler, direct issue, flush sequences) have none.
    /// </summary>
    public required Log2Histogram QueueTime { get; init; }

    /// <summary>Queue time of every request issued since the probe started.</summary>
    public required Log2Histogram QueueTimeCumulative { get; init; }

    /// <summary>The interval's completed requests, errors, bytes and sequential/random split.</summary>
    public required BlockIoCounters Counters { get; init; }

    /// <summary>The same counters since the probe started (requests in flight at start included).</summary>
    public required BlockIoCounters CountersCumulative { get; init; }
}
