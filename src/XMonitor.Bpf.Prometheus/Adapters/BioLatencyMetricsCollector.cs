using System.Globalization;
using XMonitor.Bpf.Probes;
using XMonitor.Bpf.Probes.BioLatency;

namespace XMonitor.Bpf.Prometheus;

/// <summary>
/// Exports a <see cref="BioLatencyProbe"/>: per disk and operation the kernel's cumulative service
/// time and queue time histograms as Prometheus histograms in seconds, completed requests, errors,
/// bytes, sequential and random requests as counters, the last interval's sequential share, and
/// requests slower than the probe's <see cref="BioLatencyOptions.SlowThreshold"/> as a counter.
/// </summary>
/// <remarks>
/// A scrape writes what the probe's last interval read from its maps (one lookup per disk and
/// operation per interval), so its cost grows with the disks, never with the requests. Disks and
/// operations are few (five operations per disk), so they are not bounded. The seed's
/// <c>bio_request_latency_over_threshold</c> kept a series per slow request; here it holds the
/// <see cref="XMonitorMetricsOptions.MaxProcessSeries"/> most recent slow requests of the last
/// <see cref="RecentWindow"/>.
/// </remarks>
public sealed class BioLatencyMetricsCollector : IBpfMetricsCollector, IDisposable
{
    /// <summary>How long a slow request stays in the seed's <c>bio_request_latency_over_threshold</c>.</summary>
    public static readonly TimeSpan RecentWindow = TimeSpan.FromMinutes(5);

    private static readonly string[] DiskOperation = ["device", "operation"];

    internal static readonly MetricFamily ServiceLatency = new("xmonitor_bio_request_latency_seconds", MetricType.Histogram, "Block I/O service time (issue to the driver until completion) of the requests completed since the probe started.", DiskOperation, "seconds");
    internal static readonly MetricFamily QueueLatency = new("xmonitor_bio_request_queue_latency_seconds", MetricType.Histogram, "Block I/O time in the I/O scheduler's queue (insert until issue) of the requests issued since the probe started; requests that bypass the scheduler have none.", DiskOperation, "seconds");
    internal static readonly MetricFamily Requests = new("xmonitor_bio_requests", MetricType.Counter, "Block I/O requests completed.", DiskOperation);
    internal static readonly MetricFamily Errors = new("xmonitor_bio_request_errors", MetricType.Counter, "Block I/O requests completed with an error.", DiskOperation);
    internal static readonly MetricFamily Bytes = new("xmonitor_bio_request_bytes", MetricType.Counter, "Bytes the completed block I/O requests transferred.", DiskOperation, "bytes");
    internal static readonly MetricFamily Sequential = new("xmonitor_bio_sequential_requests", MetricType.Counter, "Block I/O requests with data that started where the previous request of the disk ended.", DiskOperation);
    internal static readonly MetricFamily Random = new("xmonitor_bio_random_requests", MetricType.Counter, "Block I/O requests with data that did not start where the previous request of the disk ended.", DiskOperation);
    internal static readonly MetricFamily SequentialRatio = new("xmonitor_bio_request_sequential_ratio", MetricType.Gauge, "Sequential share of the requests with data in the probe's last interval; absent when the interval had none.", DiskOperation, "ratio");
    internal static readonly MetricFamily SlowRequests = new("xmonitor_bio_slow_requests", MetricType.Counter, "Block I/O requests whose service time reached the probe's SlowThreshold (none when it is zero).", DiskOperation);

    private readonly BioLatencyProbe _probe;
    private readonly int _maxSlowSeries;
    private readonly Log2HistogramLayout _layout;
    private readonly Log2HistogramLayout _legacyLayout;
    private readonly Lock _gate = new();
    private readonly IDisposable[] _subscriptions;
    private readonly DateTimeOffset _created = DateTimeOffset.UtcNow;
    private readonly Dictionary<(string Device, string Operation), ulong> _slowCounts = [];
    private readonly Queue<SlowBlockIoEvent> _recentSlow = new();
    private BlockIoLatency? _latest;

    /// <summary>Subscribes to <paramref name="probe"/>'s readings and slow requests.</summary>
    /// <param name="probe">The probe to export, started or not.</param>
    /// <param name="maxProcessSeries">How many slow requests the seed's per-request gauge keeps (<see cref="XMonitorMetricsOptions.MaxProcessSeries"/>).</param>
    public BioLatencyMetricsCollector(BioLatencyProbe probe, int maxProcessSeries = 50)
    {
        ArgumentNullException.ThrowIfNull(probe);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxProcessSeries, 1);
        _probe = probe;
        _maxSlowSeries = maxProcessSeries;
        var unit = probe.Options.Unit;
        _layout = Log2HistogramLayout.Seconds(unit);
        _legacyLayout = LegacyMetrics.MicrosecondLayoutFor(unit);
        _subscriptions =
        [
            probe.Samples.Subscribe(new SampleObserver<BlockIoLatency>(OnLatency)),
            probe.Events.Subscribe(new SampleObserver<SlowBlockIoEvent>(OnSlow)),
        ];
    }

    /// <inheritdoc />
    public string ProbeName => "BioLatency";

    /// <inheritdoc />
    public IReadOnlyList<MetricFamily> Families { get; } =
    [
        ServiceLatency, QueueLatency, Requests, Errors, Bytes, Sequential, Random, SequentialRatio, SlowRequests,
        LegacyMetrics.BioRequestLatency, LegacyMetrics.BioRequestInQueueLatency, LegacyMetrics.BioRequestCompletedCount,
        LegacyMetrics.BioRequestErrorCount, LegacyMetrics.BioRequestTotalKbytes, LegacyMetrics.BioRequestSequentialRatio,
        LegacyMetrics.BioRequestRandomizedRatio, LegacyMetrics.BioRequestLatencyOverThreshold,
    ];

    /// <inheritdoc />
    public IEnumerable<BpfLink> Links => _probe.Links;

    /// <inheritdoc />
    public void Collect(MetricWriter writer, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(writer);
        BlockIoLatency? latest;
        KeyValuePair<(string Device, string Operation), ulong>[] slowCounts;
        SlowBlockIoEvent[] recentSlow;
        lock (_gate)
        {
            latest = _latest;
            slowCounts = [.. _slowCounts.OrderBy(s => s.Key)];
            var oldest = DateTimeOffset.UtcNow - RecentWindow;
            while (_recentSlow.TryPeek(out var e) && e.Timestamp < oldest)
                _recentSlow.Dequeue();
            recentSlow = [.. _recentSlow];
        }

        var operations = latest?.Operations ?? [];
        var labels = new Label[operations.Count][];
        for (var i = 0; i < operations.Count; i++)
            labels[i] = [new("device", operations[i].Disk.Name), new("operation", OperationName(operations[i].Operation))];

        for (var i = 0; i < operations.Count; i++)
            _layout.Write(writer, ServiceLatency, labels[i], operations[i].ServiceTimeCumulative);
        for (var i = 0; i < operations.Count; i++)
            _layout.Write(writer, QueueLatency, labels[i], operations[i].QueueTimeCumulative);
        for (var i = 0; i < operations.Count; i++)
            writer.Counter(Requests, labels[i], operations[i].CountersCumulative.Requests, _created);
        for (var i = 0; i < operations.Count; i++)
            writer.Counter(Errors, labels[i], operations[i].CountersCumulative.Errors, _created);
        for (var i = 0; i < operations.Count; i++)
            writer.Counter(Bytes, labels[i], operations[i].CountersCumulative.Bytes, _created);
        for (var i = 0; i < operations.Count; i++)
            writer.Counter(Sequential, labels[i], operations[i].CountersCumulative.Sequential, _created);
        for (var i = 0; i < operations.Count; i++)
            writer.Counter(Random, labels[i], operations[i].CountersCumulative.Random, _created);
        for (var i = 0; i < operations.Count; i++)
        {
            if (HasData(operations[i].Counters))
                writer.Gauge(SequentialRatio, labels[i], operations[i].Counters.SequentialShare);
        }
        foreach (var ((device, operation), count) in slowCounts)
            writer.Counter(SlowRequests, [new("device", device), new("operation", operation)], count, _created);

        if (!writer.IncludeLegacyNames)
            return;
        // The seed's histograms are cumulative in microseconds; its counts were the interval's.
        for (var i = 0; i < operations.Count; i++)
            _legacyLayout.Write(writer, LegacyMetrics.BioRequestLatency, labels[i], operations[i].ServiceTimeCumulative);
        for (var i = 0; i < operations.Count; i++)
            _legacyLayout.Write(writer, LegacyMetrics.BioRequestInQueueLatency, labels[i], operations[i].QueueTimeCumulative);
        for (var i = 0; i < operations.Count; i++)
            writer.Gauge(LegacyMetrics.BioRequestCompletedCount, labels[i], operations[i].Counters.Requests);
        for (var i = 0; i < operations.Count; i++)
            writer.Gauge(LegacyMetrics.BioRequestErrorCount, labels[i], operations[i].Counters.Errors);
        for (var i = 0; i < operations.Count; i++)
            writer.Gauge(LegacyMetrics.BioRequestTotalKbytes, labels[i], operations[i].Counters.Bytes / 1024.0);
        for (var i = 0; i < operations.Count; i++)
        {
            if (HasData(operations[i].Counters))
                writer.Gauge(LegacyMetrics.BioRequestSequentialRatio, labels[i], operations[i].Counters.SequentialShare);
        }
        for (var i = 0; i < operations.Count; i++)
        {
            if (HasData(operations[i].Counters))
                writer.Gauge(LegacyMetrics.BioRequestRandomizedRatio, labels[i], 1 - operations[i].Counters.SequentialShare);
        }
        // Two slow requests with the same labels would be one series twice: the later one stands.
        foreach (var e in recentSlow.GroupBy(e => (e.Disk.Name, e.Command, e.ProcessId, e.ThreadId, e.Operation, e.Bytes, e.QueueNanoseconds / 1000)).Select(g => g.Last()))
        {
            writer.Gauge(LegacyMetrics.BioRequestLatencyOverThreshold,
            [
                new("device", e.Disk.Name), new("comm", e.Command), new("pid", Text(e.ProcessId)), new("tid", Text(e.ThreadId)),
                new("operation", OperationName(e.Operation)), new("bytes", Text(e.Bytes)), new("in_queue_latency_us", Text(e.QueueNanoseconds / 1000)),
            ], e.ServiceNanoseconds / 1e3);
        }
    }

    /// <summary>Unsubscribes from the probe; the values collected so far stay readable.</summary>
    public void Dispose()
    {
        foreach (var subscription in _subscriptions)
            subscription.Dispose();
    }

    /// <summary>The <c>operation</c> label.</summary>
    internal static string OperationName(BlockIoOperation operation) => operation switch
    {
        BlockIoOperation.Read => "read",
        BlockIoOperation.Write => "write",
        BlockIoOperation.Flush => "flush",
        BlockIoOperation.Discard => "discard",
        _ => "other",
    };

    private static bool HasData(BlockIoCounters counters) => counters.Sequential + counters.Random > 0;

    private static string Text(long value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Text(ulong value) => value.ToString(CultureInfo.InvariantCulture);

    private void OnLatency(BlockIoLatency reading)
    {
        lock (_gate)
            _latest = reading;
    }

    private void OnSlow(SlowBlockIoEvent e)
    {
        var key = (e.Disk.Name, OperationName(e.Operation));
        lock (_gate)
        {
            _slowCounts[key] = _slowCounts.GetValueOrDefault(key) + 1;
            _recentSlow.Enqueue(e);
            if (_recentSlow.Count > _maxSlowSeries)
                _recentSlow.Dequeue();
        }
    }
}
