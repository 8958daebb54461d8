namespace XMonitor.Bpf.Prometheus;

/// <summary>Options of the metrics registry and its hosts.</summary>
public sealed class XMonitorMetricsOptions
{
    /// <summary>The default port of the standalone listener: 9435, ebpf_exporter's default too, since a node runs one of the two; set <see cref="Port"/> to run both.</summary>
    public const int DefaultPort = 9435;

    /// <summary>Also export the seed service x-monitor.eBPF's names and labels (<see cref="LegacyMetrics"/>), so its dashboards keep working. Off by default.</summary>
    public bool LegacyNames { get; set; }

    /// <summary>How many per-process series a probe exports per family at most; the rest are summed into one <c>comm="other"</c> series (<see cref="TopSeries"/>). Default 50.</summary>
    public int MaxProcessSeries { get; set; } = 50;

    /// <summary>Publish counters and gauges on a <c>Meter</c> per probe too (dotnet-counters, OpenTelemetry, <c>MeterListener</c>). Default true.</summary>
    public bool PublishMeters { get; set; } = true;

    /// <summary>How long one collector may take before it is cancelled and reported down. Default 5 s.</summary>
    public TimeSpan CollectTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How long a reading taken for one <c>Meter</c> instrument serves the probe's other instruments:
    /// a <c>MeterListener</c> collection visits every instrument in turn, and the maps should be read
    /// once per collection, not once per instrument. Default 1 s.
    /// </summary>
    public TimeSpan MeterSnapshotMaxAge { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Turn on the kernel's BPF run statistics (<c>BPF_ENABLE_STATS</c>) for the registry's lifetime,
    /// so the run count and run time counters move even when <c>kernel.bpf_stats_enabled</c> is 0.
    /// Costs some nanoseconds per program run. Default false.
    /// </summary>
    public bool EnableRunStatistics { get; set; }

    /// <summary>Start the standalone listener (console hosts) when registered through DI. Default false: ASP.NET Core apps map the endpoint instead.</summary>
    public bool Listen { get; set; }

    /// <summary>The standalone listener's address. Default 127.0.0.1: exposing eBPF data beyond the host is the operator's choice.</summary>
    public string ListenAddress { get; set; } = "127.0.0.1";

    /// <summary>The standalone listener's port. Default <see cref="DefaultPort"/>; 0 picks a free one.</summary>
    public int Port { get; set; } = DefaultPort;

    /// <summary>The standalone listener's path. Default <c>/metrics</c>.</summary>
    public string Path { get; set; } = "/metrics";

    internal void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxProcessSeries, 1, nameof(MaxProcessSeries));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(CollectTimeout, TimeSpan.Zero, nameof(CollectTimeout));
        ArgumentOutOfRangeException.ThrowIfLessThan(MeterSnapshotMaxAge, TimeSpan.Zero, nameof(MeterSnapshotMaxAge));
        ArgumentOutOfRangeException.ThrowIfLessThan(Port, 0, nameof(Port));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(Port, 65535, nameof(Port));
        if (!Path.StartsWith('/'))
            throw new ArgumentException($"the listener path '{Path}' must start with '/'", nameof(Path));
    }
}
