using Microsoft.Extensions.Logging;

namespace XMonitor.Bpf.Probes.CpuSched;

/// <summary>
/// The CPU scheduling probe: run-queue latency histograms aggregated in the kernel, and records of
/// threads that were off a CPU, or hung in uninterruptible sleep, longer than a threshold. It hooks
/// sched_wakeup, sched_wakeup_new and sched_switch as BTF raw tracepoints (tp_btf) where the kernel
/// has them and as raw tracepoints (raw_tp) otherwise; <see cref="Probe.AttachStrategy"/> says which.
/// </summary>
/// <remarks>
/// Subscribe to <see cref="Samples"/>, <see cref="OffCpu"/> and <see cref="HungTasks"/>,
/// then <see cref="Probe.Start"/>. Histograms are read every <see cref="SampledProbeOptions.Interval"/>
/// without deleting anything in the kernel, so other readers of the same map see all of it.
/// Disposing detaches every program, publishes a last reading for the partial interval and
/// completes the observables. A probe starts once.
/// </remarks>
public sealed class CpuSchedProbe : Probe<CpuSchedOptions>, ISampledProbe<RunQueueLatency>, IEventProbe<CpuSchedTaskEvent>
{
    private readonly ObservableBroadcaster<RunQueueLatency> _latency;
    private readonly ObservableBroadcaster<OffCpuEvent> _offCpu;
    private readonly ObservableBroadcaster<HungTaskEvent> _hung;
    private readonly ObservableBroadcaster<CpuSchedTaskEvent> _events;
    private readonly Dictionary<ulong, Log2Histogram> _previous = [];
    private readonly RingBufferRecordHandler<CpuschedSkeleton.CpuschedEvent> _onEvent;
    private CpuschedSkeleton? _skeleton;
    private CpuschedSkeleton.XmHist[] _perCpu = [];

    /// <summary>Creates a probe with a copy of <paramref name="options"/>; nothing touches the kernel before <see cref="Probe.Start"/>.</summary>
    public CpuSchedProbe(CpuSchedOptions options, ILogger<CpuSchedProbe>? logger = null)
        : base(options, "cpu_sched", "CPU scheduling probe", logger)
    {
        _latency = CreateStream<RunQueueLatency>();
        _offCpu = CreateStream<OffCpuEvent>();
        _hung = CreateStream<HungTaskEvent>();
        _events = CreateStream<CpuSchedTaskEvent>();
        _onEvent = OnEvent;
    }



    /// <summary>The run-queue latency histograms, every <see cref="SampledProbeOptions.Interval"/> and once more on dispose.</summary>
    public IObservable<RunQueueLatency> Samples => _latency;

    /// <summary>Threads that were off a CPU at least <see cref="CpuSchedOptions.OffCpuThreshold"/>, as they run again.</summary>
    public IObservable<OffCpuEvent> OffCpu => _offCpu;

    /// <summary>Threads that slept in D state at least <see cref="CpuSchedOptions.HungTaskThreshold"/>, as they run again.</summary>
    public IObservable<HungTaskEvent> HungTasks => _hung;

    /// <summary>Both kinds of record, <see cref="OffCpu"/> and <see cref="HungTasks"/>, in one stream (a hung thread's record may be both).</summary>
    public IObservable<CpuSchedTaskEvent> Events => _events;

    /// <summary>Records the kernel could not write because the ring buffer was full (readers too slow); 0 when not running.</summary>
    public ulong DroppedEvents => WithSession(() => _skeleton!.EventsDropped, 0UL);

    private protected override ProbeSession Attach()
    {
        var errors = Settings.Validate();
        if (errors.Count > 0)
            throw new ArgumentException("invalid CPU scheduling probe options: " + string.Join("; ", errors), "options");
        var fallback = BpfAttachChooser<BpfAttachKind>.ForStrategies(Description, Logger, Settings.AttachStrategy, Settings.SupportedStrategies, Unavailable);
        var (session, _, choice) = fallback.Attach(AttachWith);
        StrategyChoice = choice;
        Logger.LogInformation(
            "CPU scheduling probe attached with {Strategy}; filter: {Filter}; histograms per {Aggregation} in {Unit}; off-CPU threshold {OffCpu}, hung-task threshold {Hung}",
            choice, Settings.Filter, Settings.Aggregation, Settings.Unit, Settings.OffCpuThreshold, Settings.HungTaskThreshold);
        return session;
    }

    private ProbeSession AttachWith(BpfAttachKind strategy)
    {
        var hierarchy = CgroupKeyHierarchy();
        var btf = strategy == BpfAttachKind.BtfRawTracepoint;
        var offCpu = Settings.OffCpuThreshold > TimeSpan.Zero || Settings.HungTaskThreshold > TimeSpan.Zero;
        var links = new List<BpfLink>();
        BpfRingBuffer<CpuschedSkeleton.CpuschedEvent>? ring = null;
        try
        {
            using (var open = CpuschedSkeleton.Open())
            {
                open.TargNs = Settings.Unit == HistogramUnit.Nanoseconds;
                // The public enums carry the C enums' values (a test compares them with the BTF).
                open.TargAggregate = (CpuschedSkeleton.CpuschedAggregate)Settings.Aggregation;
                open.OffcpuMinNs = Nanoseconds(Settings.OffCpuThreshold);
                open.HungMinNs = Nanoseconds(Settings.HungTaskThreshold);
                open.XmFilterKind = (CpuschedSkeleton.XmFilterKindEnum)Settings.Filter.Kind;
                open.XmFilterValue = Settings.Filter.Value;
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
                if (Settings.Aggregation == CpuSchedAggregation.System)
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

        _perCpu = new CpuschedSkeleton.XmHist[BpfMap.PossibleCpus];
        StartInterval();
        var skeleton = _skeleton;
        return ProbeSession.WithEvents(links, skeleton, PublishLatency, ring, _onEvent, [.. skeleton.Object.Programs], () =>
        {
            LogDroppedRecords(skeleton.EventsDropped, "off-CPU/hung records");
            if (skeleton.OffcpuEndsUnseen is > 0 and var unseen)
                Logger.LogInformation("CPU scheduling probe: {Unseen} off-CPU intervals ended without a switch-in seen; each was reported with its end taken from the thread's CPU time", unseen);
            if (skeleton.StartsLost is > 0 and var lost)
                Logger.LogWarning("CPU scheduling probe: the kernel could not store {Lost} start timestamps (no task storage or map element), so as many latencies or off-CPU records are missing", lost);
        });
    }

    /// <summary>Why the kernel cannot run <paramref name="strategy"/> although it has its attach kind, or null.</summary>
    private static string? Unavailable(BpfAttachKind strategy)
        => strategy == BpfAttachKind.BtfRawTracepoint && !KernelFeatures.IsMapTypeSupported(BpfMapType.TaskStorage)
            ? "no task-local storage (BPF_MAP_TYPE_TASK_STORAGE, Linux 5.11+), where the tp_btf programs keep their timestamps"
            : null;

    /// <summary>The hierarchy the kernel side takes cgroup ids from: the filter's, or cgroup v2.</summary>
    private CgroupHierarchy CgroupKeyHierarchy()
        => Settings.Filter.Kind == ProcessFilterKind.Cgroup ? Settings.Filter.Hierarchy : CgroupHierarchy.Unified;

    private static ulong Nanoseconds(TimeSpan value) => (ulong)value.Ticks * 100;

    private void PublishLatency() => _latency.Publish(ReadLatency());

    private RunQueueLatency ReadLatency()
    {
        var interval = TakeInterval();
        var histograms = Settings.Aggregation == CpuSchedAggregation.System ? ReadSystemHistogram() : ReadKeyedHistograms();
        histograms.Sort((a, b) => a.Key.CompareTo(b.Key));
        return new RunQueueLatency(DateTimeOffset.UtcNow, interval, Settings.Unit, Settings.Aggregation, histograms);
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
        var cumulative = new Log2Histogram(slots, sum, Settings.Unit);
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
                histograms.Add(Histogram(key.Id, new Log2Histogram(raw.Slots, raw.Sum, Settings.Unit)));
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
        if (Settings.Aggregation == CpuSchedAggregation.Process)
            return id => Directory.Exists($"/proc/{id}");
        var live = Cgroup.LiveIds(CgroupKeyHierarchy());
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
        var offCpu = (flags & CpuschedSkeleton.CpuschedEventFlags.Offcpu) != 0 && (_offCpu.HasObservers || _events.HasObservers);
        var hung = (flags & CpuschedSkeleton.CpuschedEventFlags.Hung) != 0 && (_hung.HasObservers || _events.HasObservers);
        if (!offCpu && !hung)
            return;
        var command = e.Comm.ToString();
        var timestamp = DateTimeOffset.UtcNow;
        if (offCpu)
        {
            var record = new OffCpuEvent
            {
                ThreadId = (int)e.Pid, ProcessId = (int)e.Tgid, Command = command, CgroupId = e.CgroupId,
                State = (TaskState)e.State, DurationNanoseconds = e.DurationNs, Timestamp = timestamp,
            };
            _offCpu.Publish(record);
            _events.Publish(record);
        }
        if (hung)
        {
            var record = new HungTaskEvent
            {
                ThreadId = (int)e.Pid, ProcessId = (int)e.Tgid, Command = command, CgroupId = e.CgroupId,
                State = (TaskState)e.State, DurationNanoseconds = e.DurationNs, Timestamp = timestamp,
            };
            _hung.Publish(record);
            _events.Publish(record);
        }
    }

}
