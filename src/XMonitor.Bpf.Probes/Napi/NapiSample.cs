namespace XMonitor.Bpf.Probes.Napi;

/// <summary>One interval's reading of the NAPI probe: every NAPI instance polled since the probe started.</summary>
public sealed class NapiSample
{
    internal NapiSample(DateTimeOffset timestamp, TimeSpan interval, IReadOnlyList<NapiInstanceSample> instances)
    {
        Timestamp = timestamp;
        Interval = interval;
        Instances = instances;
    }

    /// <summary>When the maps were read.</summary>
    public DateTimeOffset Timestamp { get; }

    /// <summary>The time the deltas cover: since the previous reading (or the start).</summary>
    public TimeSpan Interval { get; }

    /// <summary>One entry per instance, ordered by namespace, interface index and NAPI id (quiet ones have empty deltas).</summary>
    public IReadOnlyList<NapiInstanceSample> Instances { get; }
}
