using XMonitor.Bpf.Probes.CacheStat;

namespace XMonitor.Bpf.Prometheus;

/// <summary>
/// Exports a <see cref="CacheStatProbe"/>: system-wide page cache accesses, hits, misses and dirtied
/// pages as counters since the collector subscribed, the last interval's hit ratio, <c>Buffers</c>
/// and <c>Cached</c> of <c>/proc/meminfo</c>, and the busiest processes' counts of the last interval
/// (top <see cref="XMonitorMetricsOptions.MaxProcessSeries"/> of the probe's
/// <see cref="CacheStatOptions.TopProcesses"/>; the rest, including those beyond the probe's top, as
/// <c>comm="other"</c>, so the process series add up to every count of the interval).
/// </summary>
/// <remarks>
/// The probe hands out per-interval differences of the kernel's counters; the collector adds them up,
/// so a scrape costs the same whatever the page cache did. Subscribe (construct) before the probe
/// starts to count from its first interval. Disposing unsubscribes.
/// </remarks>
public sealed class CacheStatMetricsCollector : IBpfMetricsCollector, IDisposable
{
    private static readonly string[] ProcessLabelNames = ["pid", "comm"];

    internal static readonly MetricFamily Accesses = new("xmonitor_cachestat_accesses", MetricType.Counter, "Page cache accesses (hits plus misses), in pages, system-wide.");
    internal static readonly MetricFamily Hits = new("xmonitor_cachestat_hits", MetricType.Counter, "Page cache accesses that found the page cached, in pages, system-wide.");
    internal static readonly MetricFamily Misses = new("xmonitor_cachestat_misses", MetricType.Counter, "Page cache accesses that had to add the page (read it from storage), in pages, system-wide.");
    internal static readonly MetricFamily Dirtied = new("xmonitor_cachestat_dirtied", MetricType.Counter, "Page cache pages that became dirty, system-wide.");
    internal static readonly MetricFamily HitRatio = new("xmonitor_cachestat_hit_ratio", MetricType.Gauge, "Page cache hits divided by accesses in the probe's last interval; absent when that interval had no accesses.", [], "ratio");
    internal static readonly MetricFamily Buffers = new("xmonitor_cachestat_buffers_bytes", MetricType.Gauge, "Buffers of /proc/meminfo at the probe's last interval.", [], "bytes");
    internal static readonly MetricFamily Cached = new("xmonitor_cachestat_cached_bytes", MetricType.Gauge, "Cached of /proc/meminfo at the probe's last interval.", [], "bytes");
    internal static readonly MetricFamily ProcessAccesses = new("xmonitor_cachestat_process_accesses", MetricType.Gauge, "Page cache accesses of a process in the probe's last interval, in pages (top N processes, comm=\"other\" for the rest).", ProcessLabelNames);
    internal static readonly MetricFamily ProcessHits = new("xmonitor_cachestat_process_hits", MetricType.Gauge, "Page cache hits of a process in the probe's last interval, in pages (top N processes, comm=\"other\" for the rest).", ProcessLabelNames);
    internal static readonly MetricFamily ProcessMisses = new("xmonitor_cachestat_process_misses", MetricType.Gauge, "Page cache misses of a process in the probe's last interval, in pages (top N processes, comm=\"other\" for the rest).", ProcessLabelNames);
    internal static readonly MetricFamily ProcessDirtied = new("xmonitor_cachestat_process_dirtied", MetricType.Gauge, "Pages a process dirtied in the probe's last interval (top N processes, comm=\"other\" for the rest).", ProcessLabelNames);

    private readonly CacheStatProbe _probe;
    private readonly int _maxProcessSeries;
    private readonly Lock _gate = new();
    private readonly IDisposable _subscription;
    private readonly DateTimeOffset _created = DateTimeOffset.UtcNow;
    private ulong _accesses;
    private ulong _hits;
    private ulong _misses;
    private ulong _dirtied;
    private CacheStatSample? _last;

    /// <summary>Subscribes to <paramref name="probe"/>'s samples.</summary>
    /// <param name="probe">The probe to export, started or not.</param>
    /// <param name="maxProcessSeries">How many processes get a series of their own (<see cref="XMonitorMetricsOptions.MaxProcessSeries"/>).</param>
    public CacheStatMetricsCollector(CacheStatProbe probe, int maxProcessSeries = 50)
    {
        ArgumentNullException.ThrowIfNull(probe);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxProcessSeries, 1);
        _probe = probe;
        _maxProcessSeries = maxProcessSeries;
        _subscription = probe.Samples.Subscribe(new SampleObserver<CacheStatSample>(OnSample));
    }

    /// <inheritdoc />
    public string ProbeName => "CacheStat";

    /// <inheritdoc />
    public IReadOnlyList<MetricFamily> Families { get; } =
    [
        Accesses, Hits, Misses, Dirtied, HitRatio, Buffers, Cached, ProcessAccesses, ProcessHits, ProcessMisses, ProcessDirtied,
        LegacyMetrics.FilesystemPagecacheHits, LegacyMetrics.FilesystemPagecacheMisses, LegacyMetrics.FilesystemPagecacheRatio,
    ];

    /// <inheritdoc />
    public IEnumerable<BpfProgram> Programs => _probe.Programs;

    /// <inheritdoc />
    public IEnumerable<BpfLink> Links => _probe.Links;

    /// <inheritdoc />
    public void Collect(MetricWriter writer, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ulong accesses, hits, misses, dirtied;
        CacheStatSample? last;
        lock (_gate)
        {
            (accesses, hits, misses, dirtied, last) = (_accesses, _hits, _misses, _dirtied, _last);
        }
        writer.Counter(Accesses, [], accesses, _created);
        writer.Counter(Hits, [], hits, _created);
        writer.Counter(Misses, [], misses, _created);
        writer.Counter(Dirtied, [], dirtied, _created);
        if (last is null)
            return;
        if (last.System.HitRatio is { } ratio)
            writer.Gauge(HitRatio, [], ratio);
        writer.Gauge(Buffers, [], last.BuffersBytes);
        writer.Gauge(Cached, [], last.CachedBytes);

        // The processes beyond the probe's own top N go to "other" too: no count is dropped.
        var o = last.OtherProcesses;
        var processes = TopSeries.Bound(
            last.Processes.Select(p => new CacheStatProcessCounts(p.ProcessId, p.Command, p.Counts.Accesses, p.Counts.Hits, p.Counts.Misses, p.Counts.Dirtied)).ToArray(),
            _maxProcessSeries,
            p => p.Accesses + p.Dirtied,
            (a, b) => a with { Accesses = a.Accesses + b.Accesses, Hits = a.Hits + b.Hits, Misses = a.Misses + b.Misses, Dirtied = a.Dirtied + b.Dirtied },
            p => p with { Pid = ProcessLabels.OtherPid, Comm = TopSeries.OtherComm },
            last.OtherProcessCount > 0 ? [new CacheStatProcessCounts(ProcessLabels.OtherPid, TopSeries.OtherComm, o.Accesses, o.Hits, o.Misses, o.Dirtied)] : []);
        var labels = processes.Select(p => ProcessLabels.Of(p.Pid, p.Comm)).ToArray();
        for (var i = 0; i < processes.Count; i++)
            writer.Gauge(ProcessAccesses, labels[i], processes[i].Accesses);
        for (var i = 0; i < processes.Count; i++)
            writer.Gauge(ProcessHits, labels[i], processes[i].Hits);
        for (var i = 0; i < processes.Count; i++)
            writer.Gauge(ProcessMisses, labels[i], processes[i].Misses);
        for (var i = 0; i < processes.Count; i++)
            writer.Gauge(ProcessDirtied, labels[i], processes[i].Dirtied);

        if (writer.IncludeLegacyNames)
        {
            // The seed exported the interval's values as gauges.
            writer.Gauge(LegacyMetrics.FilesystemPagecacheHits, [], last.System.Hits);
            writer.Gauge(LegacyMetrics.FilesystemPagecacheMisses, [], last.System.Misses);
            if (last.System.HitRatio is { } legacyRatio)
                writer.Gauge(LegacyMetrics.FilesystemPagecacheRatio, [], legacyRatio);
        }
    }

    /// <summary>Unsubscribes from the probe; the values collected so far stay readable.</summary>
    public void Dispose() => _subscription.Dispose();

    private void OnSample(CacheStatSample sample)
    {
        lock (_gate)
        {
            _accesses += sample.System.Accesses;
            _hits += sample.System.Hits;
            _misses += sample.System.Misses;
            _dirtied += sample.System.Dirtied;
            _last = sample;
        }
    }
}
