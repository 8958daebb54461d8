using System.Diagnostics;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;

namespace XMonitor.Bpf.Prometheus;

/// <summary>
/// A collector inside the registry: the lock that serializes its collections, its state for the
/// health series, and its <c>Meter</c>.
/// </summary>
internal sealed partial class CollectorRegistration : IDisposable
{
    private readonly object _gate = new();
    private readonly XMonitorMetricsOptions _options;
    private readonly ILogger _logger;
    private Meter? _meter;
    private IReadOnlyDictionary<MetricFamily, List<Measurement<double>>>? _meterSnapshot;
    private long _meterSnapshotAt;
    private string? _lastError;
    private bool _up = true;
    private long _errors;
    private double _lastDurationSeconds;
    private bool _removed;

    public CollectorRegistration(IBpfMetricsCollector collector, XMonitorMetricsOptions options, ILogger logger)
    {
        Collector = collector;
        ProbeName = collector.ProbeName;
        _options = options;
        _logger = logger;
        Declared = new HashSet<MetricFamily>(collector.Families, ReferenceEqualityComparer.Instance);
        if (options.PublishMeters)
            _meter = CreateMeter();
    }

    public IBpfMetricsCollector Collector { get; }

    public string ProbeName { get; }

    public IReadOnlySet<MetricFamily> Declared { get; }

    public bool Up => Volatile.Read(ref _up);

    public long Errors => Interlocked.Read(ref _errors);

    public double LastDurationSeconds => Volatile.Read(ref _lastDurationSeconds);

    /// <summary>Set when the collector left the registry; a scrape that already holds it skips it.</summary>
    public bool Removed => Volatile.Read(ref _removed);

    /// <summary>Runs the collector under its lock with the collect timeout; throws what it throws.</summary>
    public void Collect(MetricWriter writer, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.CollectTimeout);
        if (!Monitor.TryEnter(_gate, _options.CollectTimeout))
            throw new TimeoutException($"the previous collection of probe '{ProbeName}' is still running after {_options.CollectTimeout}");
        try
        {
            writer.Restrict(Declared);
            Collector.Collect(writer, timeout.Token);
        }
        finally
        {
            Monitor.Exit(_gate);
        }
    }

    public void Succeeded(double seconds)
    {
        Volatile.Write(ref _lastDurationSeconds, seconds);
        if (!Volatile.Read(ref _up))
            LogRecovered(_logger, ProbeName);
        Volatile.Write(ref _up, true);
        _lastError = null;
    }

    public void Failed(Exception error, double seconds)
    {
        Volatile.Write(ref _lastDurationSeconds, seconds);
        Interlocked.Increment(ref _errors);
        Volatile.Write(ref _up, false);
        var message = error.Message;
        // Every failed scrape would log the same error again; log when the reason changes.
        if (message != _lastError)
            LogFailed(_logger, error, ProbeName, message);
        _lastError = message;
    }

    public void Dispose()
    {
        Volatile.Write(ref _removed, true);
        Interlocked.Exchange(ref _meter, null)?.Dispose();
    }

    private Meter CreateMeter()
    {
        var meter = new Meter("XMonitor.Bpf." + ProbeName, typeof(CollectorRegistration).Assembly.GetName().Version?.ToString());
        foreach (var family in Collector.Families)
        {
            if (family.IsLegacy)
                continue;
            var unit = MeterUnit(family.Unit);
            if (family.Type == MetricType.Counter)
                meter.CreateObservableCounter(family.Name, () => Observe(family), unit, family.Help);
            else if (family.Type == MetricType.Gauge)
                meter.CreateObservableGauge(family.Name, () => Observe(family), unit, family.Help);
        }
        return meter;
    }

    // System.Diagnostics.Metrics follows OpenTelemetry's UCUM units.
    private static string? MeterUnit(string? unit) => unit switch
    {
        null => null,
        "seconds" => "s",
        "bytes" => "By",
        "ratio" => "1",
        _ => "{" + unit + "}",
    };

    private IEnumerable<Measurement<double>> Observe(MetricFamily family)
    {
        var snapshot = MeterSnapshot();
        return snapshot is not null && snapshot.TryGetValue(family, out var list) ? list : [];
    }

    private IReadOnlyDictionary<MetricFamily, List<Measurement<double>>>? MeterSnapshot()
    {
        if (Removed)
            return null;
        var snapshot = Volatile.Read(ref _meterSnapshot);
        if (snapshot is not null && Stopwatch.GetElapsedTime(Volatile.Read(ref _meterSnapshotAt)) <= _options.MeterSnapshotMaxAge)
            return snapshot;
        var writer = new MeasurementWriter();
        try
        {
            Collect(writer, CancellationToken.None);
        }
        catch (Exception e)
        {
            LogMeterFailed(_logger, e, ProbeName);
            return null;
        }
        Volatile.Write(ref _meterSnapshot, writer.Measurements);
        Volatile.Write(ref _meterSnapshotAt, Stopwatch.GetTimestamp());
        return writer.Measurements;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Probe {Probe} failed to collect its metrics: {Reason}")]
    private static partial void LogFailed(ILogger logger, Exception error, string probe, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Probe {Probe} collects its metrics again")]
    private static partial void LogRecovered(ILogger logger, string probe);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Probe {Probe} failed to collect for its Meter")]
    private static partial void LogMeterFailed(ILogger logger, Exception error, string probe);
}
