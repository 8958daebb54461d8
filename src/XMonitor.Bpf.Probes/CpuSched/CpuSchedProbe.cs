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
    private const string Description = "CPU scheduling probe";

    private readonly CpuSchedOptions _options;
    private readonly ILogger _logger;
    private readonly ProbeRunner _runner;
    private readonly ObservableBroadcaster<RunQueueLatency> _latency;
    private readonly ObservableBroadcaster<OffCpuEvent> _offCpu;
    private readonly ObservableBroadcaster<HungTaskEvent> _hung;
    private readonly Dictionary<ulong, Log2Histogram> _previous = [];
    private readonly RingBufferRecordHandler<CpuschedSkeleton.CpuschedEvent> _onEvent;
    private CpuschedSkeleton? _skeleton;
    private IReadOnlyList<BpfLink> _links = [];
    private CpuschedSkeleton.XmHist[] _perCpu = [];
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
        _runner = new ProbeRunner(this, Description, _logger, () =>
        {
            _latency.Complete();
            _offCpu.Complete();
            _hung.Complete();
        });
        _onEvent = OnEvent;
    }

    /// <summary>The options the probe runs with (a copy; changing it changes nothing).</summary>
    public CpuSchedOptions Options => _options.Clone();

    /// <summary>The strategy the programs were attached with; null until <see cref="Start"/> succeeded.</summary>
    public ProbeAttachStrategy? AttachStrategy => StrategyChoice?.Strategy;

    /// <summary>The strategy, why it was chosen and those that failed before it; null until <see cref="Start"/> succeeded.</summary>
    public ProbeStrategyChoice? StrategyChoice { get; private set; }

    /// <summary>True between a successful <see cref="Start"/> and <see cref="Dispose"/>.</summary>
    public bool IsRunning => _runner.IsRunning;

    /// <summary>The loaded BPF programs, attached or not, for health metrics; empty unless running.</summary>
    public IReadOnlyList<BpfProgram> Programs => _runner.WithSession<IReadOnlyList<BpfProgram>>(() => [.. _skeleton!.Object.Programs], []);

    /// <summary>The links of the attached programs (how and where each is attached), for health metrics; empty unless running.</summary>
    public IReadOnlyList<BpfLink> Links => _runner.WithSession<IReadOnlyList<BpfLink>>(() => [.. _links], []);

    /// <summary>The run-queue latency histograms, every <see cref="CpuSchedOptions.Interval"/> and once more on dispose.</summary>
    public IObservable<RunQueueLatency> RunQueueLatency => _latency;

    /// <summary>Threads that were off a CPU at least <see cref="CpuSchedOptions.OffCpuThreshold"/>, as they run again.</summary>
    public IObservable<OffCpuEvent> OffCpu => _offCpu;

    /// <summary>Threads that slept in D state at least <see cref="CpuSchedOptions.HungTaskThreshold"/>, as they run again.</summary>
    public IObservable<HungTaskEvent> HungTasks => _hung;

    /// <summary>Records the kernel could not write because the ring buffer was full (readers too slow); 0 when not running.</summary>
    public ulong DroppedEvents => _runner.WithSession(() => _skeleton!.EventsDropped, 0UL);

    /// <summary>
    /// Loads the programs, attaches them and starts reading. Options are checked first; the attach
    /// strategy is the forced one or the best the kernel offers.
    /// </summary>
    /// <exception cref="ArgumentException">The options are invalid; the message names every bad option.</exception>
    /// <exception cref="BpfNotSupportedException">The kernel offers neither tp_btf nor raw_tp (or not the forced one).</exception>
    /// <exception cref="BpfException">Loading or attaching failed (<see cref="BpfPermissionException"/> without privileges).</exception>
    /// <exception cref="InvalidOperationException">The probe was started before.</exception>
    /// <exception cref="ObjectDisposedException">The probe was disposed.</exception>
    public void Start() => _runner.Start(_options.Interval, Attach);

    /// <summary>
    /// The kernel's run statistics of the attached programs by name (run count, total run time);
    /// zero unless statistics are on (<see cref="BpfRunStatistics.Enable"/> or <c>kernel.bpf_stats_enabled=1</c>).
    /// </summary>
    /// <exception cref="InvalidOperationException">The probe is not running.</exception>
    public IReadOnlyDictionary<string, BpfProgramStatistics> GetProgramStatistics() => _runner.GetProgramStatistics();

    /// <summary>
    /// Detaches the programs, publishes the last partial interval, completes the observables and
    /// frees the kernel objects. Called from inside one of the probe's own callbacks, it returns at
    /// once and the probe stops as soon as the callback returns.
    /// </summary>
    public void Dispose() => _runner.Dispose();

    /// <summary>Like <see cref="Dispose"/>, awaiting the interval timer instead of blocking on it.</summary>
    public ValueTask DisposeAsync() => _runner.DisposeAsync();

    private ProbeSession Attach()
    {
        var errors = _options.Validate();
        if (errors.Count > 0)
            throw new ArgumentException("invalid CPU scheduling probe options: " + string.Join("; ", errors), "options");
        var fallback = StrategyFallback<ProbeAttachStrategy>.ForStrategies(Description, _logger, _options.AttachStrategy, CpuSchedOptions.SupportedStrategies, Unavailable);
        var (session, _, choice) = fallback.Attach(AttachWith);
        StrategyChoice = choice;
        _logger.LogInformation(
            "CPU scheduling probe attached with {Strategy}; filter: {Filter}; histograms per {Aggregation} in {Unit}; off-CPU threshold {OffCpu}, hung-task threshold {Hung}",
            choice, _options.Filter, _options.Aggregation, _options.Unit, _options.OffCpuThreshold, _options.HungTaskThreshold);
        return session;
    }

    private ProbeSession AttachWith(ProbeAttachStrategy strategy)
    {
        var hierarchy = CgroupKeyHierarchy();
        var btf = strategy == ProbeAttachStrategy.BtfRawTracepoint;
        var offCpu = _options.OffCpuThreshold > TimeSpan.Zero || _options.HungTaskThreshold > TimeSpan.Zero;
        var links = new List<BpfLink>();
        BpfRingBuffer<CpuschedSkeleton.CpuschedEvent>? ring = null;
        try
        {
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
                // Maps the chosen programs never touch are not created (task storage may not even
                // exist on a raw_tp kernel) or shrunk to one entry.
                open.TaskSchedMap.AutoCreate = btf;
                if (btf)
                    open.TaskStartsMap.MaxEntries = 1;
                else if (!offCpu)
                    open.TaskStartsMap.MaxEntries = 10240;
                if (!btf)
                    open.NewTaskStartsMap.MaxEntries = 1;
                if (_options.Aggregation == CpuSchedAggregation.System)
                    open.RunqHistsMap.MaxEntries = 1;
                _skeleton = open.Load();
            }
            BpfProgram[] programs = btf
                ? [_skeleton.HandleSchedWakeupBtfProgram, _skeleton.HandleSchedWakeupNewBtfProgram, _skeleton.HandleSchedSwitchBtfProgram]
                : [_skeleton.HandleSchedWakeupRawProgram, _skeleton.HandleSchedWakeupNewRawProgram, _skeleton.HandleSchedSwitchRawProgram];
            foreach (var program in programs)
                links.Add(program.Attach());
            if (offCpu)
                ring = _skeleton.OpenEventsReader();
        }
        catch
        {
            foreach (var link in links)
                link.Dispose();
            _skeleton?.Dispose();
            throw;
        }

        _links = links;
        _perCpu = new CpuschedSkeleton.XmHist[BpfMap.PossibleCpus];
        _lastRead = Stopwatch.GetTimestamp();
        var skeleton = _skeleton;
        return new ProbeSession(links, () =>
        {
            ring?.Dispose();
            skeleton.Dispose();
        }, PublishLatency)
        {
            ConsumeEvents = ring is null ? null : () => ring.Consume(_onEvent),
            WaitEvents = ring is null ? null : token => ring.Wait(Timeout.InfiniteTimeSpan, token),
            Stopped = () =>
            {
                if (skeleton.EventsDropped is > 0 and var dropped)
                    _logger.LogWarning("CPU scheduling probe: the kernel dropped {Dropped} off-CPU/hung records because the ring buffer was full", dropped);
                if (skeleton.OffcpuEndsUnseen is > 0 and var unseen)
                    _logger.LogInformation("CPU scheduling probe: {Unseen} off-CPU intervals ended without a switch-in seen; each was reported with its end taken from the thread's CPU time", unseen);
                if (skeleton.StartsLost is > 0 and var lost)
                    _logger.LogWarning("CPU scheduling probe: the kernel could not store {Lost} start timestamps (no task storage or map element), so as many latencies or off-CPU records are missing", lost);
            },
        };
    }

    /// <summary>Why the kernel cannot run <paramref name="strategy"/> although it has its attach kind, or null.</summary>
    private static string? Unavailable(ProbeAttachStrategy strategy)
        => strategy == ProbeAttachStrategy.BtfRawTracepoint && !KernelFeatures.IsMapTypeSupported(BpfMapType.TaskStorage)
            ? "no task-local storage (BPF_MAP_TYPE_TASK_STORAGE, Linux 5.11+), where the tp_btf programs keep their timestamps"
            : null;

    /// <summary>The hierarchy the kernel side takes cgroup ids from: the filter's, or cgroup v2.</summary>
    private CgroupHierarchy CgroupKeyHierarchy()
        => _options.Filter.Kind == ProcessFilterKind.Cgroup ? _options.Filter.Hierarchy : CgroupHierarchy.Unified;

    private static ulong Nanoseconds(TimeSpan value) => (ulong)value.Ticks * 100;

    private void PublishLatency() => _latency.Publish(ReadLatency());

    private RunQueueLatency ReadLatency()
    {
        var now = Stopwatch.GetTimestamp();
        var interval = Stopwatch.GetElapsedTime(_lastRead, now);
        _lastRead = now;
        var histograms = _options.Aggregation == CpuSchedAggregation.System ? ReadSystemHistogram() : ReadKeyedHistograms();
        histograms.Sort((a, b) => a.Key.CompareTo(b.Key));
        return new RunQueueLatency(DateTimeOffset.UtcNow, interval, _options.Unit, _options.Aggregation, histograms);
    }

    /// <summary>The per-CPU system histogram, summed over the CPUs; none until the first latency.</summary>
    private List<RunQueueLatencyHistogram> ReadSystemHistogram()
    {
        if (!_skeleton!.RunqHistSystemMap.TryLookupPerCpu(0, _perCpu))
            return [];
        var slots = new ulong[Log2Histogram.SlotCount];
        ulong sum = 0;
        foreach (ref readonly var cpu in _perCpu.AsSpan())
        {
            for (var i = 0; i < slots.Length; i++)
                slots[i] += cpu.Slots[i];
            sum += cpu.Sum;
        }
        var cumulative = new Log2Histogram(slots, sum, _options.Unit);
        if (cumulative.Count == 0)
            return [];
        return [Histogram(0, cumulative)];
    }

    /// <summary>
    /// The histogram of every process or cgroup. Those whose process or cgroup is gone are read a
    /// last time (it was gone before the read, so the read is final), then deleted from the kernel's
    /// map, so the map holds only live keys.
    /// </summary>
    private List<RunQueueLatencyHistogram> ReadKeyedHistograms()
    {
        var map = _skeleton!.RunqHistsMap;
        var keys = new List<CpuschedSkeleton.CpuschedHistKey>();
        foreach (var key in map.Keys)
            keys.Add(key);
        var isLive = LivenessCheck();
        var gone = keys.Where(k => !isLive(k.Id)).ToList();
        var histograms = new List<RunQueueLatencyHistogram>(keys.Count);
        // Only lookups: the kernel's counters are never reset, so other readers see everything too.
        foreach (var key in keys)
        {
            if (map.TryLookup(key, out var raw))
                histograms.Add(Histogram(key.Id, new Log2Histogram(raw.Slots, raw.Sum, _options.Unit)));
        }
        foreach (var key in gone)
        {
            map.Delete(key);
            _previous.Remove(key.Id);
        }
        return histograms;
    }

    /// <summary>Whether a key's process (by /proc) or cgroup (by a walk of its hierarchy) still exists.</summary>
    private Func<ulong, bool> LivenessCheck()
    {
        if (_options.Aggregation == CpuSchedAggregation.Process)
            return id => Directory.Exists($"/proc/{id}");
        var live = CgroupResolver.LiveIds(CgroupKeyHierarchy());
        return live.Contains;
    }

    private RunQueueLatencyHistogram Histogram(ulong key, Log2Histogram cumulative)
    {
        var delta = _previous.TryGetValue(key, out var earlier) ? cumulative.Subtract(earlier) : cumulative;
        _previous[key] = cumulative;
        return new RunQueueLatencyHistogram(key, delta, cumulative);
    }

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
