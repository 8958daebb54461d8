using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace XMonitor.Bpf.Probes.CpuSched;

/// <summary>
/// The CPU scheduling probe: run-queue latency histograms aggregated in the kernel, and records of
/// threads that were off a CPU, or hung in uninterruptible sleep, longer than a threshold. It hooks
/// sched_wakeup, sched_wakeup_new and sched_switch as BTF raw tracepoints (tp_btf) where the kernel
/// has them and as raw tracepoints (raw_tp) otherwise; <see cref="AttachStrategy"/> says which.
/// </summary>
/// <remarks>
/// Subscribe to <see cref="RunQueueLatency"/>, <see cref="OffCpu"/> and <see cref="HungTasks"/>,
/// then <see cref="Start"/>. Histograms are read every <see cref="CpuSchedOptions.Interval"/>
/// without deleting anything in the kernel, so other readers of the same map see all of it.
/// Disposing detaches every program, publishes a last reading for the partial interval and
/// completes the observables. A probe starts once.
/// </remarks>
public sealed class CpuSchedProbe : IDisposable, IAsyncDisposable
{
    private const int StateNew = 0;
    private const int StateRunning = 1;
    private const int StateDisposed = 2;

    // The probe whose callback this thread is running, so that Dispose from inside a callback does
    // not wait for the very thread it runs on.
    [ThreadStatic] private static CpuSchedProbe? t_callbackOf;

    private readonly CpuSchedOptions _options;
    private readonly ILogger _logger;
    private readonly ObservableBroadcaster<RunQueueLatency> _latency;
    private readonly ObservableBroadcaster<OffCpuEvent> _offCpu;
    private readonly ObservableBroadcaster<HungTaskEvent> _hung;
    private readonly Lock _gate = new();
    private readonly Lock _readGate = new();
    private readonly Dictionary<ulong, Log2Histogram> _previous = [];
    private readonly List<BpfLink> _links = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly RingBufferRecordHandler<CpuschedSkeleton.CpuschedEvent> _onEvent;
    private int _state = StateNew;
    private CpuschedSkeleton? _skeleton;
    private BpfRingBuffer<CpuschedSkeleton.CpuschedEvent>? _ring;
    private Thread? _reader;
    private Task? _ticker;
    private long _lastRead;

    /// <summary>Creates a probe with a copy of <paramref name="options"/>; nothing touches the kernel before <see cref="Start"/>.</summary>
    public CpuSchedProbe(CpuSchedOptions options, ILogger<CpuSchedProbe>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options.Clone();
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _latency = new(ReportObserverError);
        _offCpu = new(ReportObserverError);
        _hung = new(ReportObserverError);
        _onEvent = OnEvent;
    }

    /// <summary>The options the probe runs with (a copy; changing it changes nothing).</summary>
    public CpuSchedOptions Options => _options.Clone();

    /// <summary>The strategy the programs were attached with; null until <see cref="Start"/> succeeded.</summary>
    public ProbeAttachStrategy? AttachStrategy { get; private set; }

    /// <summary>True between a successful <see cref="Start"/> and <see cref="Dispose"/>.</summary>
    public bool IsRunning => Volatile.Read(ref _state) == StateRunning;

    /// <summary>The loaded BPF programs, attached or not, for health metrics; empty unless running.</summary>
    public IReadOnlyList<BpfProgram> Programs
    {
        get
        {
            lock (_gate)
                return _state == StateRunning ? [.. _skeleton!.Object.Programs] : [];
        }
    }

    /// <summary>The links of the attached programs (how and where each is attached), for health metrics; empty unless running.</summary>
    public IReadOnlyList<BpfLink> Links
    {
        get
        {
            lock (_gate)
                return _state == StateRunning ? [.. _links] : [];
        }
    }

    /// <summary>The run-queue latency histograms, every <see cref="CpuSchedOptions.Interval"/> and once more on dispose.</summary>
    public IObservable<RunQueueLatency> RunQueueLatency => _latency;

    /// <summary>Threads that were off a CPU at least <see cref="CpuSchedOptions.OffCpuThreshold"/>, as they run again.</summary>
    public IObservable<OffCpuEvent> OffCpu => _offCpu;

    /// <summary>Threads that slept in D state at least <see cref="CpuSchedOptions.HungTaskThreshold"/>, as they run again.</summary>
    public IObservable<HungTaskEvent> HungTasks => _hung;

    /// <summary>Records the kernel could not write because the ring buffer was full (readers too slow); 0 before start.</summary>
    public ulong DroppedEvents
    {
        get
        {
            lock (_gate)
                return _skeleton is { Object.IsDisposed: false } s ? s.EventsDropped : 0;
        }
    }

    /// <summary>
    /// Loads the programs, attaches them and starts reading. Options are checked first; the attach
    /// strategy is the forced one or the best the kernel offers.
    /// </summary>
    /// <exception cref="ArgumentException">The options are invalid; the message names every bad option.</exception>
    /// <exception cref="BpfNotSupportedException">The kernel offers neither tp_btf nor raw_tp (or not the forced one).</exception>
    /// <exception cref="BpfException">Loading or attaching failed (<see cref="BpfPermissionException"/> without privileges).</exception>
    /// <exception cref="InvalidOperationException">The probe was started before.</exception>
    /// <exception cref="ObjectDisposedException">The probe was disposed.</exception>
    public void Start()
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_state == StateDisposed, this);
            if (_state == StateRunning)
                throw new InvalidOperationException("the CPU scheduling probe is already running");
            var errors = _options.Validate();
            if (errors.Count > 0)
                throw new ArgumentException("invalid CPU scheduling probe options: " + string.Join("; ", errors), "options");

            var (strategy, reason) = ChooseStrategy();
            try
            {
                Attach(strategy);
            }
            catch
            {
                ReleaseKernelObjects();
                throw;
            }
            AttachStrategy = strategy;
            _lastRead = Stopwatch.GetTimestamp();
            if (_ring is not null)
            {
                _reader = new Thread(ReadEvents) { IsBackground = true, Name = "cpusched events" };
                _reader.Start();
            }
            _ticker = Task.Run(TickAsync);
            _state = StateRunning;
            _logger.LogInformation(
                "CPU scheduling probe attached with {Strategy} ({Reason}); filter: {Filter}; histograms per {Aggregation} in {Unit}; off-CPU threshold {OffCpu}, hung-task threshold {Hung}",
                strategy.SectionName(), reason, _options.Filter, _options.Aggregation, _options.Unit, _options.OffCpuThreshold, _options.HungTaskThreshold);
        }
    }

    /// <summary>
    /// The kernel's run statistics of the attached programs by name (run count, total run time);
    /// zero unless statistics are on (<see cref="BpfRunStatistics.Enable"/> or <c>kernel.bpf_stats_enabled=1</c>).
    /// </summary>
    /// <exception cref="InvalidOperationException">The probe is not running.</exception>
    public IReadOnlyDictionary<string, BpfProgramStatistics> GetProgramStatistics()
    {
        lock (_gate)
        {
            if (_state != StateRunning)
                throw new InvalidOperationException("the CPU scheduling probe is not running");
            return _links.ToDictionary(l => l.Program.Name, l => l.Program.GetStatistics());
        }
    }

    /// <summary>
    /// Detaches the programs, publishes the last partial interval, completes the observables and
    /// frees the kernel objects. Called from inside one of the probe's own callbacks, it returns at
    /// once and the probe stops as soon as the callback returns.
    /// </summary>
    public void Dispose()
    {
        if (DeferredFromCallback())
            return;
        if (BeginStop() is { } ticker)
        {
            ticker.GetAwaiter().GetResult();
            FinishStop();
        }
        CompleteObservables();
    }

    /// <summary>Like <see cref="Dispose"/>, awaiting the interval timer instead of blocking on it.</summary>
    public async ValueTask DisposeAsync()
    {
        if (DeferredFromCallback())
            return;
        if (BeginStop() is { } ticker)
        {
            await ticker.ConfigureAwait(false);
            FinishStop();
        }
        CompleteObservables();
    }

    private (ProbeAttachStrategy Strategy, string Reason) ChooseStrategy()
    {
        const string context = "CPU scheduling probe";
        if (_options.AttachStrategy is { } forced)
        {
            KernelFeatures.Require(forced.RequiredFeature(), context);
            return (forced, "forced by options");
        }
        foreach (var strategy in CpuSchedOptions.SupportedStrategies)
        {
            if (KernelFeatures.IsSupported(strategy.RequiredFeature()))
                return (strategy, strategy == CpuSchedOptions.SupportedStrategies[0] ? "the kernel has BTF raw tracepoints" : "the kernel lacks tp_btf");
        }
        throw new BpfNotSupportedException(context, "tp_btf or raw_tp", detail: KernelFeatures.Check(KernelFeature.RawTracepoint).Reason);
    }

    private void Attach(ProbeAttachStrategy strategy)
    {
        var hierarchy = _options.Filter.Kind == ProcessFilterKind.Cgroup ? _options.Filter.Hierarchy : CgroupHierarchy.Unified;
        var btf = strategy == ProbeAttachStrategy.BtfRawTracepoint;
        using (var open = CpuschedSkeleton.Open())
        {
            open.TargNs = _options.Unit == HistogramUnit.Nanoseconds;
            // The public enums carry the C enums' values (a test compares them with the BTF).
            open.TargAggregate = (CpuschedSkeleton.CpuschedAggregate)_options.Aggregation;
            open.OffcpuMinNs = Nanoseconds(_options.OffCpuThreshold);
            open.HungMinNs = Nanoseconds(_options.HungTaskThreshold);
            open.XmFilterKind = (CpuschedSkeleton.XmFilterKindEnum)_options.Filter.Kind;
            open.XmFilterValue = _options.Filter.Value;
            open.XmCgroupMemcgV1 = hierarchy == CgroupHierarchy.MemoryV1;
            open.HandleSchedWakeupBtfProgram.Autoload = btf;
            open.HandleSchedWakeupNewBtfProgram.Autoload = btf;
            open.HandleSchedSwitchBtfProgram.Autoload = btf;
            open.HandleSchedWakeupRawProgram.Autoload = !btf;
            open.HandleSchedWakeupNewRawProgram.Autoload = !btf;
            open.HandleSchedSwitchRawProgram.Autoload = !btf;
            _skeleton = open.Load();
        }
        BpfProgram[] programs = btf
            ? [_skeleton.HandleSchedWakeupBtfProgram, _skeleton.HandleSchedWakeupNewBtfProgram, _skeleton.HandleSchedSwitchBtfProgram]
            : [_skeleton.HandleSchedWakeupRawProgram, _skeleton.HandleSchedWakeupNewRawProgram, _skeleton.HandleSchedSwitchRawProgram];
        foreach (var program in programs)
            _links.Add(program.Attach());
        if (_options.OffCpuThreshold > TimeSpan.Zero || _options.HungTaskThreshold > TimeSpan.Zero)
            _ring = _skeleton.OpenEventsReader();
    }

    private static ulong Nanoseconds(TimeSpan value) => (ulong)value.Ticks * 100;

    private bool DeferredFromCallback()
    {
        if (t_callbackOf != this)
            return false;
        ThreadPool.UnsafeQueueUserWorkItem(static probe => probe.Dispose(), this, preferLocal: false);
        return true;
    }

    /// <summary>Marks the probe disposed and stops its loops; returns the ticker to wait for when it was running.</summary>
    private Task? BeginStop()
    {
        lock (_gate)
        {
            if (_state == StateDisposed)
                return null;
            var wasRunning = _state == StateRunning;
            _state = StateDisposed;
            _stop.Cancel();
            return wasRunning ? _ticker : null;
        }
    }

    private void FinishStop()
    {
        _reader?.Join();
        foreach (var link in _links)
            link.Dispose();
        // The programs are detached: what the maps and the ring hold now is final.
        PublishLatency();
        if (_ring is not null)
            ConsumeEvents();
        var dropped = DroppedEvents;
        if (dropped > 0)
            _logger.LogWarning("CPU scheduling probe: the kernel dropped {Dropped} off-CPU/hung records because the ring buffer was full", dropped);
        lock (_gate)
            ReleaseKernelObjects();
        _logger.LogInformation("CPU scheduling probe detached");
    }

    private void ReleaseKernelObjects()
    {
        foreach (var link in _links)
            link.Dispose();
        _links.Clear();
        _ring?.Dispose();
        _skeleton?.Dispose();
    }

    private void CompleteObservables()
    {
        _latency.Complete();
        _offCpu.Complete();
        _hung.Complete();
    }

    private async Task TickAsync()
    {
        using var timer = new PeriodicTimer(_options.Interval);
        try
        {
            while (await timer.WaitForNextTickAsync(_stop.Token).ConfigureAwait(false))
                PublishLatency();
        }
        catch (OperationCanceledException)
        {
            // Dispose stops the timer; the last reading is published by FinishStop.
        }
    }

    private void PublishLatency()
    {
        lock (_readGate)
        {
            RunQueueLatency reading;
            try
            {
                reading = ReadLatency();
            }
            catch (BpfException e)
            {
                _logger.LogError(e, "CPU scheduling probe: reading the run-queue latency histograms failed");
                return;
            }
            t_callbackOf = this;
            try
            {
                _latency.Publish(reading);
            }
            finally
            {
                t_callbackOf = null;
            }
        }
    }

    private RunQueueLatency ReadLatency()
    {
        var now = Stopwatch.GetTimestamp();
        var interval = Stopwatch.GetElapsedTime(_lastRead, now);
        _lastRead = now;
        var unit = _options.Unit;
        var histograms = new List<RunQueueLatencyHistogram>();
        var map = _skeleton!.RunqHistsMap;
        // Only lookups: the kernel's counters are never reset, so other readers see everything too.
        foreach (var key in map.Keys)
        {
            if (!map.TryLookup(key, out var raw))
                continue;
            var cumulative = new Log2Histogram(raw.Slots, raw.Sum, unit);
            var delta = _previous.TryGetValue(key.Id, out var earlier) ? cumulative.Subtract(earlier) : cumulative;
            _previous[key.Id] = cumulative;
            histograms.Add(new RunQueueLatencyHistogram(key.Id, delta, cumulative));
        }
        histograms.Sort((a, b) => a.Key.CompareTo(b.Key));
        return new RunQueueLatency(DateTimeOffset.UtcNow, interval, unit, _options.Aggregation, histograms);
    }

    private void ReadEvents()
    {
        var token = _stop.Token;
        t_callbackOf = this;
        try
        {
            while (!token.IsCancellationRequested)
            {
                ConsumeEvents();
                _ring!.Wait(Timeout.InfiniteTimeSpan, token);
            }
        }
        catch (BpfException e)
        {
            _logger.LogError(e, "CPU scheduling probe: reading the event ring buffer failed; no more off-CPU or hung-task events");
        }
    }

    private void ConsumeEvents() => _ring!.Consume(_onEvent);

    private void OnEvent(ref readonly CpuschedSkeleton.CpuschedEvent e)
    {
        var flags = (CpuschedSkeleton.CpuschedEventFlags)e.Flags;
        var offCpu = (flags & CpuschedSkeleton.CpuschedEventFlags.Offcpu) != 0 && _offCpu.HasObservers;
        var hung = (flags & CpuschedSkeleton.CpuschedEventFlags.Hung) != 0 && _hung.HasObservers;
        if (!offCpu && !hung)
            return;
        var command = e.Comm.ToString();
        var timestamp = DateTimeOffset.UtcNow;
        if (offCpu)
        {
            _offCpu.Publish(new OffCpuEvent
            {
                ThreadId = (int)e.Pid, ProcessId = (int)e.Tgid, Command = command, CgroupId = e.CgroupId,
                State = (TaskState)e.State, DurationNanoseconds = e.DurationNs, Timestamp = timestamp,
            });
        }
        if (hung)
        {
            _hung.Publish(new HungTaskEvent
            {
                ThreadId = (int)e.Pid, ProcessId = (int)e.Tgid, Command = command, CgroupId = e.CgroupId,
                State = (TaskState)e.State, DurationNanoseconds = e.DurationNs, Timestamp = timestamp,
            });
        }
    }

    private void ReportObserverError(Exception e)
        => _logger.LogError(e, "CPU scheduling probe: an observer threw; it stays subscribed");
}
