using System.Globalization;
using XMonitor.Bpf.Probes;
using XMonitor.Bpf.Probes.CpuSched;

namespace XMonitor.Bpf.Prometheus;

/// <summary>
/// Exports a <see cref="CpuSchedProbe"/>: the kernel's cumulative run-queue latency histograms (one
/// per aggregation key: the system, a process or a cgroup) as Prometheus histograms in seconds,
/// off-CPU and hung-task reports as counters, and per process the most recent off-CPU period and
/// per comm the number of threads reported hung within <see cref="RecentWindow"/>.
/// </summary>
/// <remarks>
/// The histogram labels follow <see cref="CpuSchedOptions.Aggregation"/>: <c>scope, scope_value</c>
/// (the probe's filter) for the system; plus <c>pid, comm</c> per process; plus
/// <c>cgroup, pod_uid, container_id</c> per cgroup. Per-process and per-cgroup histograms are bounded
/// to <see cref="XMonitorMetricsOptions.MaxProcessSeries"/> keys; the others count into one
/// <c>comm="other"</c> (or <c>cgroup="other"</c>) series, which adds up what they recorded, interval by
/// interval, since the collector first saw them. The probe forgets exited processes and removed
/// cgroups: a key with a series of its own keeps its last value for <see cref="RecentWindow"/>, then
/// the series is dropped, while what a key in "other" recorded stays there, so no exported count ever
/// goes down. Each reading of the probe updates the series (keep the collector subscribed from the
/// probe's start); a scrape writes them: its cost grows with the series, never with the scheduling events.
/// </remarks>
public sealed class CpuSchedMetricsCollector : IBpfMetricsCollector, IDisposable
{
    /// <summary>
    /// How long an off-CPU or hung-task report stays in the per-process gauges, and how long the
    /// run-queue histogram of an exited process (or removed cgroup) keeps its last value before its
    /// series is dropped.
    /// </summary>
    public static readonly TimeSpan RecentWindow = TimeSpan.FromMinutes(5);

    internal static readonly MetricFamily OffCpuEvents = new("xmonitor_cpu_offcpu_events", MetricType.Counter, "Threads reported off a CPU longer than the probe's OffCpuThreshold.");
    internal static readonly MetricFamily HungTaskEvents = new("xmonitor_cpu_hung_task_events", MetricType.Counter, "Threads reported in uninterruptible sleep longer than the probe's HungTaskThreshold.");
    internal static readonly MetricFamily OffCpuSeconds = new("xmonitor_cpu_offcpu_seconds", MetricType.Gauge, "The most recent off-CPU period over the threshold of a process's threads, reported within the last 5 minutes (top N processes by duration; comm=\"other\" holds the longest of the rest).", ["pid", "comm"], "seconds");
    internal static readonly MetricFamily HungTasks = new("xmonitor_cpu_hung_tasks", MetricType.Gauge, "Threads of a comm reported hung (uninterruptible sleep over the threshold) within the last 5 minutes (top N comms; comm=\"other\" for the rest).", ["comm"]);

    private readonly CpuSchedProbe _probe;
    private readonly int _maxProcessSeries;
    private readonly CpuSchedAggregation _aggregation;
    private readonly Log2HistogramLayout _layout;
    private readonly Log2HistogramLayout _legacyLayout;
    private readonly string _scope;
    private readonly string _scopeValue;
    private readonly string _legacyType;
    private readonly CgroupLabelResolver? _cgroups;
    private readonly MetricFamily _latency;
    private readonly MonotonicSeries<Log2Histogram> _bound;
    private readonly Dictionary<ulong, Label[]> _labels = [];
    private readonly Lock _gate = new();
    private readonly IDisposable[] _subscriptions;
    private readonly DateTimeOffset _created = DateTimeOffset.UtcNow;
    private readonly Dictionary<int, OffCpuEntry> _offCpu = [];
    private readonly Dictionary<int, OffCpuEntry> _hung = [];
    private (IReadOnlyList<(Label[] Labels, Log2Histogram Histogram)> Series, ulong[]? Other, ulong[] Total)? _histograms;
    private ulong _offCpuEvents;
    private ulong _hungEvents;

    /// <summary>Subscribes to <paramref name="probe"/>'s readings and events.</summary>
    /// <param name="probe">The probe to export, started or not.</param>
    /// <param name="maxProcessSeries">How many processes (or cgroups) get a series of their own (<see cref="XMonitorMetricsOptions.MaxProcessSeries"/>).</param>
    public CpuSchedMetricsCollector(CpuSchedProbe probe, int maxProcessSeries = 50)
    {
        ArgumentNullException.ThrowIfNull(probe);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxProcessSeries, 1);
        _probe = probe;
        _maxProcessSeries = maxProcessSeries;
        var options = probe.Options;
        _aggregation = options.Aggregation;
        _layout = Log2HistogramLayout.Seconds(options.Unit);
        _legacyLayout = LegacyMetrics.MicrosecondLayoutFor(options.Unit);
        _scope = ProbeFilterLabels.Scope(options.Filter);
        _scopeValue = ProbeFilterLabels.Value(options.Filter);
        _legacyType = ProbeFilterLabels.LegacyType(options.Filter);
        if (_aggregation == CpuSchedAggregation.Cgroup)
            _cgroups = options.Filter.Hierarchy == CgroupHierarchy.MemoryV1 ? CgroupLabelResolver.MemoryV1() : CgroupLabelResolver.Unified();
        string[] labels = _aggregation switch
        {
            CpuSchedAggregation.Process => ["scope", "scope_value", "pid", "comm"],
            CpuSchedAggregation.Cgroup => ["scope", "scope_value", "cgroup", "pod_uid", "container_id"],
            _ => ["scope", "scope_value"],
        };
        _latency = new("xmonitor_cpu_runqueue_latency_seconds", MetricType.Histogram, "Time tasks waited on a run queue for a CPU, since the probe started.", labels, "seconds");
        _bound = new MonotonicSeries<Log2Histogram>(maxProcessSeries, RecentWindow, Log2Histogram.SlotCount + 1, AddTo);
        Families =
        [
            _latency, OffCpuEvents, HungTaskEvents, OffCpuSeconds, HungTasks,
            LegacyMetrics.CpuScheduleRunqLatency, LegacyMetrics.CpuScheduleOffcpuDuration, LegacyMetrics.CpuScheduleHungTask,
        ];
        _subscriptions =
        [
            probe.Samples.Subscribe(new SampleObserver<RunQueueLatency>(OnLatency)),
            probe.OffCpu.Subscribe(new SampleObserver<OffCpuEvent>(OnOffCpu)),
            probe.HungTasks.Subscribe(new SampleObserver<HungTaskEvent>(OnHung)),
        ];
    }

    /// <inheritdoc />
    public string ProbeName => "CpuSched";

    /// <inheritdoc />
    public IReadOnlyList<MetricFamily> Families { get; }

    /// <inheritdoc />
    public IEnumerable<BpfProgram> Programs => _probe.Programs;

    /// <inheritdoc />
    public IEnumerable<BpfLink> Links => _probe.Links;

    /// <inheritdoc />
    public void Collect(MetricWriter writer, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(writer);
        (IReadOnlyList<(Label[] Labels, Log2Histogram Histogram)> Series, ulong[]? Other, ulong[] Total)? histograms;
        ulong offCpuEvents, hungEvents;
        OffCpuEntry[] offCpu, hung;
        lock (_gate)
        {
            Prune(_offCpu);
            Prune(_hung);
            (histograms, offCpuEvents, hungEvents) = (_histograms, _offCpuEvents, _hungEvents);
            offCpu = [.. _offCpu.Values];
            hung = [.. _hung.Values];
        }

        if (histograms is ({ } series, var other, { } total))
        {
            foreach (var (labels, histogram) in series)
                _layout.Write(writer, _latency, labels, histogram);
            if (other is not null)
                _layout.Write(writer, _latency, OtherLabels(), other.AsSpan(0, Log2Histogram.SlotCount), other[Log2Histogram.SlotCount]);
            if (writer.IncludeLegacyNames)
                _legacyLayout.Write(writer, LegacyMetrics.CpuScheduleRunqLatency, [new("res_type", _legacyType), new("res_value", _scopeValue)], total.AsSpan(0, Log2Histogram.SlotCount), total[Log2Histogram.SlotCount]);
        }
        writer.Counter(OffCpuEvents, [], offCpuEvents, _created);
        writer.Counter(HungTaskEvents, [], hungEvents, _created);

        var longest = TopSeries.Bound(
            offCpu.OrderBy(e => e.Pid, StringComparer.Ordinal).ToArray(),
            _maxProcessSeries,
            e => e.Seconds,
            (a, b) => a.Seconds >= b.Seconds ? a : b,
            e => e with { Pid = "", Tid = "", Comm = TopSeries.OtherComm });
        foreach (var e in longest)
            writer.Gauge(OffCpuSeconds, [new("pid", e.Pid), new("comm", e.Comm)], e.Seconds);

        var perComm = TopSeries.Bound(
            hung.GroupBy(e => e.Comm).Select(g => (Comm: g.Key, Count: g.Count())).OrderBy(c => c.Comm, StringComparer.Ordinal).ToArray(),
            _maxProcessSeries,
            c => c.Count,
            (a, b) => (a.Comm, a.Count + b.Count),
            c => (TopSeries.OtherComm, c.Count));
        foreach (var (comm, count) in perComm)
            writer.Gauge(HungTasks, [new("comm", comm)], count);

        if (!writer.IncludeLegacyNames)
            return;
        foreach (var e in longest)
            writer.Gauge(LegacyMetrics.CpuScheduleOffcpuDuration, [new("tid", e.Tid), new("pid", e.Pid), new("comm", e.Comm), new("res_type", _legacyType), new("res_value", _scopeValue)], e.Seconds * 1e3);
        // The seed had a series per hung task; the value is how long it hung, in milliseconds.
        var hungTasks = TopSeries.Bound(
            hung.OrderBy(e => e.Pid, StringComparer.Ordinal).ToArray(),
            _maxProcessSeries,
            e => e.Seconds,
            (a, b) => a.Seconds >= b.Seconds ? a : b,
            e => e with { Pid = "", Tid = "", Comm = TopSeries.OtherComm });
        foreach (var e in hungTasks)
            writer.Gauge(LegacyMetrics.CpuScheduleHungTask, [new("pid", e.Pid), new("comm", e.Comm), new("res_type", _legacyType), new("res_value", _scopeValue)], e.Seconds * 1e3);
    }

    /// <summary>Unsubscribes from the probe; the values collected so far stay readable.</summary>
    public void Dispose()
    {
        foreach (var subscription in _subscriptions)
            subscription.Dispose();
    }

    private Label[] Labels(ulong key)
    {
        switch (_aggregation)
        {
            case CpuSchedAggregation.Process:
                return [new("scope", _scope), new("scope_value", _scopeValue), new("pid", key.ToString(CultureInfo.InvariantCulture)), new("comm", ProcessNames.Comm(key))];
            case CpuSchedAggregation.Cgroup:
                var cgroup = _cgroups?.Labels(key) ?? CgroupLabels.Unknown;
                // An id that no longer resolves (the cgroup is gone) still needs a distinct series.
                var path = cgroup.Cgroup.Length > 0 ? cgroup.Cgroup : "id:" + key.ToString(CultureInfo.InvariantCulture);
                return [new("scope", _scope), new("scope_value", _scopeValue), new("cgroup", path), new("pod_uid", cgroup.PodUid), new("container_id", cgroup.ContainerId)];
            default:
                return [new("scope", _scope), new("scope_value", _scopeValue)];
        }
    }

    private Label[] OtherLabels() => _aggregation == CpuSchedAggregation.Process
        ? [new("scope", _scope), new("scope_value", _scopeValue), new("pid", ""), new("comm", TopSeries.OtherComm)]
        : [new("scope", _scope), new("scope_value", _scopeValue), new("cgroup", TopSeries.OtherComm), new("pod_uid", ""), new("container_id", "")];

    /// <summary>
    /// Adds a reading to the series. A key's labels are made when it gets its series (its comm or
    /// cgroup path is still readable then) and kept until the series is dropped.
    /// </summary>
    private void OnLatency(RunQueueLatency reading)
    {
        lock (_gate)
        {
            _bound.Observe([.. reading.Histograms.Select(h => (h.Key, (double)h.Delta.Count, h.Delta, h.Cumulative))], reading.Timestamp);
            var series = _bound.Series();
            foreach (var key in _labels.Keys.Except(series.Select(s => s.Key)).ToList())
                _labels.Remove(key);
            var rows = new (Label[] Labels, Log2Histogram Histogram)[series.Count];
            for (var i = 0; i < rows.Length; i++)
            {
                var (key, histogram) = series[i];
                if (!_labels.TryGetValue(key, out var labels))
                    _labels[key] = labels = Labels(key);
                rows[i] = (labels, histogram);
            }
            // Copies: a scrape may write them while the next reading adds to the sums.
            _histograms = (rows, _bound.HasOther ? _bound.Other.ToArray() : null, _bound.Total.ToArray());
        }
    }

    /// <summary>Adds a histogram to a sum of its slots followed by its sum; an empty one (a quiet interval) costs nothing.</summary>
    private static void AddTo(Log2Histogram histogram, Span<ulong> sum)
    {
        if (histogram.Count == 0 && histogram.Sum == 0)
            return;
        for (var s = 0; s < Log2Histogram.SlotCount; s++)
            sum[s] += histogram[s];
        sum[Log2Histogram.SlotCount] += histogram.Sum;
    }

    private void OnOffCpu(OffCpuEvent e)
    {
        lock (_gate)
        {
            _offCpuEvents++;
            _offCpu[e.ProcessId] = Entry(e);
        }
    }

    private void OnHung(HungTaskEvent e)
    {
        lock (_gate)
        {
            _hungEvents++;
            _hung[e.ThreadId] = Entry(e);
        }
    }

    private static OffCpuEntry Entry(CpuSchedTaskEvent e) => new(
        e.ProcessId.ToString(CultureInfo.InvariantCulture),
        e.ThreadId.ToString(CultureInfo.InvariantCulture),
        e.Command,
        e.DurationNanoseconds / 1e9,
        e.Timestamp);

    private static void Prune(Dictionary<int, OffCpuEntry> entries)
    {
        var oldest = DateTimeOffset.UtcNow - RecentWindow;
        foreach (var (key, entry) in entries)
        {
            if (entry.Seen < oldest)
                entries.Remove(key);
        }
    }
}
