using Microsoft.Extensions.Logging;

namespace XMonitor.Bpf.Probes.BioLatency;

/// <summary>
/// The block I/O probe (BCC's biolatency and biopattern, per disk and operation): log2 histograms
/// of the service time (issue to the driver until completion) and of the queue time (insert into
/// the I/O scheduler until issue), counters of completed requests, errors, bytes and sequential
/// versus random requests, all aggregated in the kernel, and a record per request slower than a
/// threshold. It hooks block_rq_insert, block_rq_issue and block_rq_complete as BTF raw tracepoints
/// (tp_btf) where the kernel has them and as raw tracepoints (raw_tp) otherwise;
/// <see cref="Probe.AttachStrategy"/> says which.
/// </summary>
/// <remarks>
/// Subscribe to <see cref="Samples"/> and <see cref="Events"/>, then <see cref="Probe.Start"/>. The
/// maps are read every <see cref="SampledProbeOptions.Interval"/> without deleting anything in the
/// kernel. Requests issued before the start are counted at their completion but have no latency.
/// Disposing detaches every program, publishes a last reading for the partial interval and
/// completes the observables. A probe starts once.
/// </remarks>
public sealed class BioLatencyProbe : Probe<BioLatencyOptions>, ISampledProbe<BlockIoLatency>, IEventProbe<SlowBlockIoEvent>
{
    private readonly ObservableBroadcaster<BlockIoLatency> _latency;
    private readonly ObservableBroadcaster<SlowBlockIoEvent> _slow;
    private readonly Dictionary<BiolatencySkeleton.BiolatencyKey, (Log2Histogram Service, Log2Histogram Queue, BlockIoCounters Counters)> _previous = [];
    private readonly Dictionary<uint, string> _diskNames = [];
    private readonly RingBufferRecordHandler<BiolatencySkeleton.BiolatencyEvent> _onEvent;
    private BiolatencySkeleton.BiolatencyIo[]? _perCpu;
    private BiolatencySkeleton? _skeleton;

    /// <summary>Creates a probe with a copy of <paramref name="options"/>; nothing touches the kernel before <see cref="Probe.Start"/>.</summary>
    public BioLatencyProbe(BioLatencyOptions options, ILogger<BioLatencyProbe>? logger = null)
        : base(options, "bio_latency", "block I/O probe", logger)
    {
        _latency = CreateStream<BlockIoLatency>();
        _slow = CreateStream<SlowBlockIoEvent>();
        _onEvent = OnEvent;
    }

    /// <summary>The histograms and counters per disk and operation, every <see cref="SampledProbeOptions.Interval"/> and once more on dispose.</summary>
    public IObservable<BlockIoLatency> Samples => _latency;

    /// <summary>Requests whose service time reached <see cref="BioLatencyOptions.SlowThreshold"/>, as they complete (none when the threshold is zero).</summary>
    public IObservable<SlowBlockIoEvent> Events => _slow;

    /// <summary>Records the kernel could not write because the ring buffer was full (readers too slow); 0 when not running.</summary>
    public ulong DroppedEvents => WithSession(() => _skeleton!.EventsDropped, 0UL);

    private protected override ProbeSession Attach()
    {
        var fallback = BpfAttachChooser<BpfAttachKind>.ForStrategies(Description, Logger, Settings.AttachStrategy, Settings.SupportedStrategies);
        var (session, _, choice) = fallback.Attach(AttachWith);
        StrategyChoice = choice;
        Logger.LogInformation(
            "Block I/O probe attached with {Strategy}; disks: {Disk}; histograms in {Unit}; slow-request threshold {Threshold}",
            choice, Settings.Disk ?? "all", Settings.Unit, Settings.SlowThreshold);
        return session;
    }

    private ProbeSession AttachWith(BpfAttachKind strategy)
    {
        uint targetDev = 0;
        if (Settings.Disk is { } disk)
        {
            var (major, minor) = DiskResolver.Resolve(disk);
            targetDev = BlockDevice.ToKernel(major, minor);
        }

        var btf = strategy == BpfAttachKind.BtfRawTracepoint;
        var links = new List<BpfLink>();
        BpfRingBuffer<BiolatencySkeleton.BiolatencyEvent>? ring = null;
        try
        {
            using (var open = BiolatencySkeleton.Open())
            {
                open.TargNs = Settings.Unit == HistogramUnit.Nanoseconds;
                open.TargDev = targetDev;
                open.SlowMinNs = Nanoseconds(Settings.SlowThreshold);
                open.TpBtfBlockRqInsertProgram.Autoload = btf;
                open.TpBtfBlockRqIssueProgram.Autoload = btf;
                open.TpBtfBlockRqCompleteProgram.Autoload = btf;
                open.RawTpBlockRqInsertProgram.Autoload = !btf;
                open.RawTpBlockRqIssueProgram.Autoload = !btf;
                open.RawTpBlockRqCompleteProgram.Autoload = !btf;
                _skeleton = open.Load();
            }
            BpfProgram[] programs = btf
                ? [_skeleton.TpBtfBlockRqInsertProgram, _skeleton.TpBtfBlockRqIssueProgram, _skeleton.TpBtfBlockRqCompleteProgram]
                : [_skeleton.RawTpBlockRqInsertProgram, _skeleton.RawTpBlockRqIssueProgram, _skeleton.RawTpBlockRqCompleteProgram];
            foreach (var program in programs)
                links.Add(program.Attach());
            if (Settings.SlowThreshold > TimeSpan.Zero)
                ring = _skeleton.OpenEventsReader();
        }
        catch
        {
            ProbeSession.ReleaseFailedAttach(links, _skeleton);
            throw;
        }

        StartInterval();
        var skeleton = _skeleton;
        return ProbeSession.WithEvents(links, skeleton, PublishLatency, ring, _onEvent, [.. links.Select(l => l.Program)],
            () => LogDroppedRecords(skeleton.EventsDropped, "slow-request records"));
    }

    private static ulong Nanoseconds(TimeSpan value) => (ulong)value.Ticks * 100;

    private void PublishLatency() => _latency.Publish(ReadLatency());

    private BlockIoLatency ReadLatency()
    {
        var interval = TakeInterval();
        var unit = Settings.Unit;
        var skeleton = _skeleton!;
        var perCpu = _perCpu ??= new BiolatencySkeleton.BiolatencyIo[BpfMap.PossibleCpus];

        // Only lookups: the kernel's counters are never reset. Each CPU counts into its own copy.
        var operations = new List<BlockIoOperationLatency>();
        foreach (var key in skeleton.IoStatsMap.Keys)
        {
            if (!skeleton.IoStatsMap.TryLookupPerCpu(key, perCpu))
                continue;
            var (service, queue, counters) = Sum(perCpu, unit);
            var known = _previous.TryGetValue(key, out var earlier);
            _previous[key] = (service, queue, counters);
            operations.Add(new BlockIoOperationLatency
            {
                Disk = BlockDevice.FromKernel(key.Dev, DiskName(skeleton, key.Dev)),
                Operation = (BlockIoOperation)key.Op,
                ServiceTime = !known ? service : service.Subtract(earlier.Service),
                ServiceTimeCumulative = service,
                QueueTime = !known ? queue : queue.Subtract(earlier.Queue),
                QueueTimeCumulative = queue,
                Counters = !known ? counters : counters.Subtract(earlier.Counters),
                CountersCumulative = counters,
            });
        }
        operations.Sort((a, b) => a.Disk.Major != b.Disk.Major ? a.Disk.Major.CompareTo(b.Disk.Major)
            : a.Disk.Minor != b.Disk.Minor ? a.Disk.Minor.CompareTo(b.Disk.Minor)
            : a.Operation.CompareTo(b.Operation));
        return new BlockIoLatency(DateTimeOffset.UtcNow, interval, unit, operations);
    }

    /// <summary>The histograms and counters of one disk and operation: the sum of every CPU's copy.</summary>
    private static (Log2Histogram Service, Log2Histogram Queue, BlockIoCounters Counters) Sum(
        ReadOnlySpan<BiolatencySkeleton.BiolatencyIo> perCpu, HistogramUnit unit)
    {
        Span<ulong> service = stackalloc ulong[Log2Histogram.SlotCount];
        Span<ulong> queue = stackalloc ulong[Log2Histogram.SlotCount];
        service.Clear();
        queue.Clear();
        ulong serviceSum = 0, queueSum = 0, requests = 0, errors = 0, bytes = 0, sequential = 0, random = 0;
        foreach (ref readonly var cpu in perCpu)
        {
            requests += cpu.Requests;
            errors += cpu.Errors;
            bytes += cpu.Bytes;
            sequential += cpu.Sequential;
            random += cpu.Random;
            serviceSum += cpu.Service.Sum;
            queueSum += cpu.Queue.Sum;
            for (var i = 0; i < Log2Histogram.SlotCount; i++)
            {
                service[i] += cpu.Service.Slots[i];
                queue[i] += cpu.Queue.Slots[i];
            }
        }
        return (new Log2Histogram(service, serviceSum, unit), new Log2Histogram(queue, queueSum, unit),
            new BlockIoCounters(requests, errors, bytes, sequential, random));
    }

    /// <summary>The disk's name as the kernel recorded it, remembered once found; empty when not (yet) recorded.</summary>
    private string DiskName(BiolatencySkeleton skeleton, uint dev)
    {
        if (_diskNames.TryGetValue(dev, out var name))
            return name;
        if (!skeleton.DiskSlotsMap.TryLookup(dev, out var slot) || !skeleton.DisksMap.TryLookup(slot, out var disk))
            return "";
        name = disk.Name.ToString();
        _diskNames[dev] = name;
        return name;
    }

    private void OnEvent(ref readonly BiolatencySkeleton.BiolatencyEvent e)
    {
        if (!_slow.HasObservers)
            return;
        _slow.Publish(new SlowBlockIoEvent
        {
            Disk = BlockDevice.FromKernel(e.Dev, e.Disk.ToString()),
            Operation = (BlockIoOperation)e.Op,
            Sector = e.Sector,
            Bytes = e.Bytes,
            Status = e.Error,
            QueueNanoseconds = e.QueueNs,
            ServiceNanoseconds = e.ServiceNs,
            ProcessId = (int)e.Pid,
            ThreadId = (int)e.Tid,
            Command = e.Comm.ToString(),
            Timestamp = DateTimeOffset.UtcNow,
        });
    }

}
