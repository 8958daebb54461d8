namespace XMonitor.Bpf.Probes.Napi;

/// <summary>
/// One NAPI instance (a device's receive queue, or a virtual device's poller) in a
/// <see cref="NapiSample"/>: what the interval added and everything since the probe started.
/// </summary>
public sealed record NapiInstanceSample
{
    /// <summary>
    /// The inode of the device's network namespace (N of <c>net:[N]</c> in <c>readlink /proc/PID/ns/net</c>);
    /// 0 for the per-CPU backlog, which has no device.
    /// </summary>
    public required uint NetworkNamespace { get; init; }

    /// <summary>The device's interface index in its namespace; 0 for the backlog.</summary>
    public required int InterfaceIndex { get; init; }

    /// <summary>The device's name at its last poll; empty for the backlog.</summary>
    public required string Device { get; init; }

    /// <summary>The kernel's NAPI id (what <c>SO_INCOMING_NAPI_ID</c> reports); 0 for instances without one, which share an entry.</summary>
    public required uint NapiId { get; init; }

    /// <summary>The interval's polls, packets, budget-exhausted and idle polls.</summary>
    public required NapiCounters Counters { get; init; }

    /// <summary>The same counters since the probe started.</summary>
    public required NapiCounters CountersCumulative { get; init; }

    /// <summary>Packets per poll in the interval (<see cref="HistogramUnit.Count"/>; slot 0 holds polls of 0 and 1 packet).</summary>
    public required Log2Histogram WorkPerPoll { get; init; }

    /// <summary>Packets per poll since the probe started.</summary>
    public required Log2Histogram WorkPerPollCumulative { get; init; }

    /// <summary>
    /// Time per poll in the interval, in nanoseconds; null unless <see cref="NapiOptions.MeasurePollTime"/>.
    /// With the softirq strategy (<see cref="NapiProbe.PollTimeIsApproximate"/>) it is approximate and
    /// covers only polls in the NET_RX softirq.
    /// </summary>
    public Log2Histogram? PollTime { get; init; }

    /// <summary>Time per poll since the probe started; null unless <see cref="NapiOptions.MeasurePollTime"/>.</summary>
    public Log2Histogram? PollTimeCumulative { get; init; }
}
