using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace XMonitor.Bpf.Probes.BioLatency;

/// <summary>
/// The block I/O probe (BCC's biolatency and biopattern, per disk and operation): log2 histograms
/// of the service time (issue to the driver until completion) and of the queue time (insert into
/// the I/O scheduler until issue), counters of completed requests, errors, bytes and sequential
/// versus random requests, all aggregated in the kernel, and a record per request slower than a
/// threshold. It hooks block_rq_insert, block_rq_issue and block_rq_complete as BTF raw tracepoints
/// (tp_btf) where the kernel has them and as raw tracepoints (raw_tp) otherwise;
/// <see cref="AttachStrategy"/> says which.
/// </summary>
/// <remarks>
/// Subscribe to <see cref="Latency"/> and <see cref="SlowRequests"/>, then <see cref="Start"/>. The
/// maps are read every <see cref="BioLatencyOptions.Interval"/> without deleting anything in the
/// kernel. Requests issued before the start are counted at their completion but have no latency.
/// Disposing detaches every program, publishes a last reading for the partial interval and
/// completes the observables. A probe starts once.
/// </remarks>
public sealed class BioLatencyProbe : IDisposable, IAsyncDisposable, IHostedProbe
{
    private const string Description = "block I/O probe";

    private readonly BioLatencyOptions _options;
    private readonly ILogger _logger;
    private readonly ProbeRunner _runner;
    private readonly ObservableBroadcaster<BlockIoLatency> _latency;
    private readonly ObservableBroadcaster<SlowBlockIoEvent> _slow;
    private readonly Dictionary<BiolatencySkeleton.BiolatencyKey, (Log2Histogram Service, Log2Histogram Queue, BlockIoCounters Counters)> _previous = [];
    private readonly Dictionary<uint, string> _diskNames = [];
    private readonly RingBufferRecordHandler<BiolatencySkeleton.BiolatencyEvent> _onEvent;
    private BiolatencySkeleton.BiolatencyIo[]? _perCpu;
    private BiolatencySkeleton? _skeleton;
    private long _lastRead;

    /// <summary>Creates a probe with a copy of <paramref name="options"/>; nothing touches the kernel before <see cref="Start"/>.</summary>
    public BioLatencyProbe(BioLatencyOptions options, ILogger<BioLatencyProbe>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options.Clone();
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _latency = new(ReportObserverError);
        _slow = new(ReportObserverError);
        _runner = new ProbeRunner(this, Description, _logger, () =>
        {
            _latency.Complete();
            _slow.Complete();
        });
        _onEvent = OnEvent;
    }

    /// <summary>The options the probe runs with (a copy; changing it changes nothing).</summary>
    public BioLatencyOptions Options => _options.Clone();

    /// <summary>The strategy the programs were attached with; null until <see cref="Start"/> succeeded.</summary>
    public ProbeAttachStrategy? AttachStrategy => StrategyChoice?.Strategy;

    /// <summary>The strategy, why it was chosen and those that failed before it; null until <see cref="Start"/> succeeded.</summary>
    public ProbeStrategyChoice? StrategyChoice { get; private set; }

    /// <summary>True between a successful <see cref="Start"/> and <see cref="Dispose"/>.</summary>
    public bool IsRunning => _runner.IsRunning;

    /// <summary>The links of the attached programs (how and where each is attached), for health metrics; empty unless running.</summary>
    public IReadOnlyList<BpfLink> Links => _runner.Links;

    /// <summary>The histograms and counters per disk and operation, every <see cref="BioLatencyOptions.Interval"/> and once more on dispose.</summary>
    public IObservable<BlockIoLatency> Latency => _latency;

    /// <summary>Requests whose service time reached <see cref="BioLatencyOptions.SlowThreshold"/>, as they complete (none when the threshold is zero).</summary>
    public IObservable<SlowBlockIoEvent> SlowRequests => _slow;

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
        _runner.ThrowIfInvalid(_options.Validate());
        var fallback = StrategyFallback<ProbeAttachStrategy>.ForStrategies(Description, _logger, _options.AttachStrategy, BioLatencyOptions.SupportedStrategies);
        var (session, _, choice) = fallback.Attach(AttachWith);
        StrategyChoice = choice;
        _logger.LogInformation(
            "Block I/O probe attached with {Strategy}; disks: {Disk}; histograms in {Unit}; slow-request threshold {Threshold}",
            choice, _options.Disk ?? "all", _options.Unit, _options.SlowThreshold);
        return session;
    }

    private ProbeSession AttachWith(ProbeAttachStrategy strategy)
    {
        uint targetDev = 0;
        if (_options.Disk is { } disk)
        {
            var (major, minor) = DiskResolver.Resolve(disk);
            targetDev = BlockDevice.ToKernel(major, minor);
        }

        var btf = strategy == ProbeAttachStrategy.BtfRawTracepoint;
        var links = new List<BpfLink>();
        BpfRingBuffer<BiolatencySkeleton.BiolatencyEvent>? ring = null;
        try
        {
            using (var open = BiolatencySkeleton.Open())
            {
                open.TargNs = _options.Unit == HistogramUnit.Nanoseconds;
                open.TargDev = targetDev;
                open.SlowMinNs = Nanoseconds(_options.SlowThreshold);
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
            if (_options.SlowThreshold > TimeSpan.Zero)
                ring = _skeleton.OpenEventsReader();
        }
        catch
        {
            ProbeSession.ReleaseFailedAttach(links, _skeleton);
            throw;
        }

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
                    _logger.LogWarning("Block I/O probe: the kernel dropped {Dropped} slow-request records because the ring buffer was full", dropped);
            },
        };
    }

    private static ulong Nanoseconds(TimeSpan value) => (ulong)value.Ticks * 100;

    private void PublishLatency() => _latency.Publish(ReadLatency());

    private BlockIoLatency ReadLatency()
    {
        var now = Stopwatch.GetTimestamp();
        var interval = Stopwatch.GetElapsedTime(_lastRead, now);
        _lastRead = now;
        var unit = _options.Unit;
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

    private void ReportObserverError(Exception e)
        => _logger.LogError(e, "Block I/O probe: an observer threw; it stays subscribed");
}
