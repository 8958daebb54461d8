using System.Buffers;
using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace XMonitor.Bpf.Prometheus;

/// <summary>
/// The probes' collectors and the scrape that runs them. A scrape reads every collector at that
/// moment (nothing is sampled in the background), isolates failures (a throwing or timed-out
/// collector shows as <c>xmonitor_probe_up{probe="..."} 0</c> and its output is dropped), and
/// adds the SDK's health series. Scrapes may run concurrently with each other and with
/// <see cref="Add"/> and <see cref="Remove"/>.
/// </summary>
public sealed class XMonitorMetricsRegistry : IDisposable
{
    private const string StatsEnabledPath = "/proc/sys/kernel/bpf_stats_enabled";

    private readonly XMonitorMetricsOptions _options;
    private readonly ILogger _logger;
    private readonly object _writeGate = new();
    private readonly ConcurrentBag<ScrapeContext> _contexts = [];
    private readonly IDisposable? _runStatistics;
    private CollectorRegistration[] _registrations = [];

    /// <summary>Creates an empty registry.</summary>
    /// <param name="options">Options; defaults when null.</param>
    /// <param name="logger">Where collector failures are logged; none when null.</param>
    /// <exception cref="ArgumentException">An option is out of range.</exception>
    public XMonitorMetricsRegistry(XMonitorMetricsOptions? options = null, ILogger<XMonitorMetricsRegistry>? logger = null)
    {
        _options = options ?? new XMonitorMetricsOptions();
        _options.Validate();
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        if (_options.EnableRunStatistics)
            _runStatistics = BpfRunStatistics.Enable();
    }

    /// <summary>The options the registry runs with.</summary>
    public XMonitorMetricsOptions Options => _options;

    /// <summary>The registered collectors, in registration order.</summary>
    public IReadOnlyList<IBpfMetricsCollector> Collectors => _registrations.Select(r => r.Collector).ToArray();

    /// <summary>Adds a collector (a probe that started); its families appear from the next scrape on.</summary>
    /// <returns>A handle whose disposal removes the collector again.</returns>
    /// <exception cref="ArgumentException">A collector of the same <see cref="IBpfMetricsCollector.ProbeName"/> is registered, or the name is empty.</exception>
    public IDisposable Add(IBpfMetricsCollector collector)
    {
        ArgumentNullException.ThrowIfNull(collector);
        ArgumentException.ThrowIfNullOrWhiteSpace(collector.ProbeName, nameof(collector));
        lock (_writeGate)
        {
            foreach (var existing in _registrations)
            {
                if (existing.ProbeName == collector.ProbeName)
                    throw new ArgumentException($"a collector for probe '{collector.ProbeName}' is already registered", nameof(collector));
            }
            var registration = new CollectorRegistration(collector, _options, _logger);
            _registrations = [.. _registrations, registration];
            return new Removal(this, collector);
        }
    }

    /// <summary>Removes a collector (a probe that stopped). A scrape already running may still include it once.</summary>
    /// <returns>False when it was not registered.</returns>
    public bool Remove(IBpfMetricsCollector collector)
    {
        CollectorRegistration? removed = null;
        lock (_writeGate)
        {
            foreach (var registration in _registrations)
            {
                if (ReferenceEquals(registration.Collector, collector))
                {
                    removed = registration;
                    _registrations = _registrations.Where(r => !ReferenceEquals(r, registration)).ToArray();
                    break;
                }
            }
        }
        removed?.Dispose();
        return removed is not null;
    }

    /// <summary>Runs every collector and writes the exposition in <paramref name="format"/> to <paramref name="output"/>.</summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public void Scrape(IBufferWriter<byte> output, ExpositionFormat format, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(output);
        var context = Rent();
        try
        {
            Scrape(context, format, cancellationToken);
            output.Write(context.Output.WrittenSpan);
        }
        finally
        {
            _contexts.Add(context);
        }
    }

    /// <summary>Runs every collector and writes the exposition in <paramref name="format"/> to <paramref name="output"/>.</summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public Task ScrapeAsync(Stream output, ExpositionFormat format, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(output);
        return ScrapeAsync((text, ct) => output.WriteAsync(text, ct), format, cancellationToken);
    }

    /// <summary>Scrapes into a pooled buffer and hands the whole text to <paramref name="write"/>, which learns its length first (for Content-Length).</summary>
    internal async Task ScrapeAsync(Func<ReadOnlyMemory<byte>, CancellationToken, ValueTask> write, ExpositionFormat format, CancellationToken cancellationToken)
    {
        var context = Rent();
        try
        {
            Scrape(context, format, cancellationToken);
            await write(context.Output.WrittenMemory, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _contexts.Add(context);
        }
    }

    /// <summary>Removes every collector, disposes their meters, and ends the run statistics the registry enabled.</summary>
    public void Dispose()
    {
        CollectorRegistration[] all;
        lock (_writeGate)
        {
            all = _registrations;
            _registrations = [];
        }
        foreach (var registration in all)
            registration.Dispose();
        _runStatistics?.Dispose();
        while (_contexts.TryTake(out var context))
            context.Dispose();
    }

    internal string ScrapeToString(ExpositionFormat format)
    {
        var buffer = new ArrayBufferWriter<byte>();
        Scrape(buffer, format);
        return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private ScrapeContext Rent() => _contexts.TryTake(out var context) ? context : new ScrapeContext();

    private void Scrape(ScrapeContext context, ExpositionFormat format, CancellationToken cancellationToken)
    {
        var registrations = Volatile.Read(ref _registrations);
        context.Output.Reset();
        var writer = context.Writer(format, _options.LegacyNames);
        writer.ResetFamilies();
        foreach (var registration in registrations)
        {
            if (registration.Removed)
                continue;
            cancellationToken.ThrowIfCancellationRequested();
            context.Scratch.Reset();
            writer.Target(context.Scratch);
            var start = Stopwatch.GetTimestamp();
            try
            {
                registration.Collect(writer, cancellationToken);
                writer.EndCollector();
                context.Output.Write(context.Scratch.WrittenSpan);
                registration.Succeeded(Stopwatch.GetElapsedTime(start).TotalSeconds);
            }
            catch (Exception e) when (!cancellationToken.IsCancellationRequested)
            {
                writer.RollbackCollector();
                registration.Failed(e, Stopwatch.GetElapsedTime(start).TotalSeconds);
            }
        }
        writer.Target(context.Output);
        WriteHealth(writer, registrations, context.Programs);
        writer.WriteEof();
    }

    private void WriteHealth(TextMetricWriter writer, CollectorRegistration[] registrations, List<ProgramHealth> programs)
    {
        var live = registrations.Where(r => !r.Removed).ToArray();
        foreach (var r in live)
            writer.Gauge(HealthFamilies.ProbeUp, [new("probe", r.ProbeName)], r.Up ? 1 : 0);
        foreach (var r in live)
            writer.Gauge(HealthFamilies.CollectDuration, [new("probe", r.ProbeName)], r.LastDurationSeconds);
        foreach (var r in live)
            writer.Counter(HealthFamilies.CollectErrors, [new("probe", r.ProbeName)], r.Errors);

        var statsEnabled = _runStatistics is not null || KernelStatsEnabled();
        writer.Gauge(HealthFamilies.RunStatisticsEnabled, [], statsEnabled ? 1 : 0);
        programs.Clear();
        foreach (var r in live)
        {
            try
            {
                ProgramHealth.Gather(r.Collector, statsEnabled, programs);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // Typically a probe stopping while its programs are read; its program series are
                // left out of this scrape and the reason is logged as a failed collection.
                r.Failed(e, 0);
            }
        }
        WriteProgramHealth(writer, programs);
    }

    internal static void WriteProgramHealth(MetricWriter writer, List<ProgramHealth> programs)
    {
        foreach (var p in programs)
            writer.Info(HealthFamilies.ProgramInfo, [new("probe", p.Probe), new("program", p.Program), new("attach_kind", p.AttachKind), new("target", p.Target)]);
        foreach (var p in programs)
            writer.Gauge(HealthFamilies.ProgramAttached, [new("probe", p.Probe), new("program", p.Program)], p.Attached ? 1 : 0);
        foreach (var p in programs)
        {
            if (p.Statistics is { } s)
                writer.Counter(HealthFamilies.ProgramRuns, [new("probe", p.Probe), new("program", p.Program)], s.RunCount);
        }
        foreach (var p in programs)
        {
            if (p.Statistics is { } s)
                writer.Counter(HealthFamilies.ProgramRunTime, [new("probe", p.Probe), new("program", p.Program)], s.RunTimeNanoseconds / 1e9);
        }
    }

    private static bool KernelStatsEnabled()
    {
        try
        {
            // Read into the stack: every scrape asks, and a string per scrape is avoidable.
            using var handle = File.OpenHandle(StatsEnabledPath);
            Span<byte> text = stackalloc byte[4];
            return RandomAccess.Read(handle, text, 0) > 0 && text[0] == (byte)'1';
        }
        catch (IOException)
        {
            return false;
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }
    }

    private sealed class Removal(XMonitorMetricsRegistry registry, IBpfMetricsCollector collector) : IDisposable
    {
        public void Dispose() => registry.Remove(collector);
    }
}
