using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace XMonitor.Bpf.Probes.Napi;

/// <summary>
/// The NAPI probe: how the network receive path polls. Per NAPI instance (network namespace,
/// device, NAPI id): polls, packets processed, polls that used their whole budget, idle polls, a
/// log2 histogram of packets per poll and, optionally, of the time per poll, all aggregated in the
/// kernel from net:napi_poll. The counters hook it as a BTF raw tracepoint (tp_btf) where the
/// kernel has it and as a classic tracepoint otherwise (<see cref="AttachStrategy"/>); the timing,
/// when asked for, uses fentry/fexit or kprobes on <c>__napi_poll</c> where available and the NET_RX
/// softirq tracepoints otherwise (<see cref="PollTimeStrategy"/>, <see cref="PollTimeIsApproximate"/>).
/// </summary>
/// <remarks>
/// Subscribe to <see cref="Samples"/>, then <see cref="Start"/>. The maps are read every
/// <see cref="NapiOptions.Interval"/> without deleting anything in the kernel. Disposing detaches
/// every program, publishes a last sample for the partial interval and completes the observable.
/// A probe starts once.
/// </remarks>
public sealed class NapiProbe : IDisposable, IAsyncDisposable, IHostedProbe
{
    private const string Description = "NAPI probe";

    private readonly NapiOptions _options;
    private readonly ILogger _logger;
    private readonly ProbeRunner _runner;
    private readonly ObservableBroadcaster<NapiSample> _samples;
    private readonly Dictionary<NapiSkeleton.NapiKey, (NapiCounters Counters, Log2Histogram Work, Log2Histogram Time)> _previous = [];
    private NapiSkeleton? _skeleton;
    private long _lastRead;

    /// <summary>Creates a probe with a copy of <paramref name="options"/>; nothing touches the kernel before <see cref="Start"/>.</summary>
    public NapiProbe(NapiOptions options, ILogger<NapiProbe>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options.Clone();
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _samples = new(e => _logger.LogError(e, "NAPI probe: an observer threw; it stays subscribed"));
        _runner = new ProbeRunner(this, Description, _logger, _samples.Complete);
    }

    /// <summary>The options the probe runs with (a copy; changing it changes nothing).</summary>
    public NapiOptions Options => _options.Clone();

    /// <summary>The strategy the poll counters were attached with; null until <see cref="Start"/> succeeded.</summary>
    public ProbeAttachStrategy? AttachStrategy => StrategyChoice?.Strategy;

    /// <summary>The strategy, why it was chosen and those that failed before it; null until <see cref="Start"/> succeeded.</summary>
    public ProbeStrategyChoice? StrategyChoice { get; private set; }

    /// <summary>
    /// The strategy the poll timing was attached with: <see cref="ProbeAttachStrategy.Fentry"/>,
    /// <see cref="ProbeAttachStrategy.Kprobe"/> (both exact) or <see cref="ProbeAttachStrategy.Tracepoint"/>
    /// (NET_RX softirq brackets, approximate); null without <see cref="NapiOptions.MeasurePollTime"/> or before start.
    /// </summary>
    public ProbeAttachStrategy? PollTimeStrategy { get; private set; }

    /// <summary>
    /// True when the time per poll comes from the softirq tracepoints: a poll is timed from the
    /// NET_RX softirq's start, or from the previous poll's end in the same softirq run, so it includes
    /// net_rx_action()'s bookkeeping and hard interrupts in between, and polls outside the softirq
    /// (threaded NAPI, busy polling) are not timed.
    /// </summary>
    public bool PollTimeIsApproximate => PollTimeStrategy == ProbeAttachStrategy.Tracepoint;

    /// <summary>True between a successful <see cref="Start"/> and <see cref="Dispose"/>.</summary>
    public bool IsRunning => _runner.IsRunning;

    /// <summary>The links of the attached programs (how and where each is attached), for health metrics; empty unless running.</summary>
    public IReadOnlyList<BpfLink> Links => _runner.Links;

    /// <summary>The counters and histograms per NAPI instance, every <see cref="NapiOptions.Interval"/> and once more on dispose.</summary>
    public IObservable<NapiSample> Samples => _samples;

    /// <summary>
    /// Loads the programs, attaches them and starts reading. Options are checked first; the
    /// strategies are the forced one or the best the kernel offers.
    /// </summary>
    /// <exception cref="ArgumentException">The options are invalid; the message names every bad option.</exception>
    /// <exception cref="BpfNotSupportedException">The kernel offers neither tp_btf nor tracepoints (or not the forced one), or no way to time polls.</exception>
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
    /// Detaches the programs, publishes the last partial interval, completes the observable and
    /// frees the kernel objects. Called from inside one of the probe's own callbacks, it returns at
    /// once and the probe stops as soon as the callback returns.
    /// </summary>
    public void Dispose() => _runner.Dispose();

    /// <summary>Like <see cref="Dispose"/>, awaiting the interval timer instead of blocking on it.</summary>
    public ValueTask DisposeAsync() => _runner.DisposeAsync();

    private ProbeSession Attach()
    {
        _runner.ThrowIfInvalid(_options.Validate());
        var counters = StrategyFallback<ProbeAttachStrategy>.ForStrategies(Description, _logger, _options.AttachStrategy, NapiOptions.SupportedStrategies);
        var timings = _options.MeasurePollTime
            ? StrategyFallback<ProbeAttachStrategy>.ForStrategies(Description, _logger, _options.PollTimeStrategy, NapiOptions.TimingStrategies)
            : null;
        var (session, (_, timing), choice) = counters.With(timings).Attach(plan => AttachWith(plan.First, plan.Second));
        StrategyChoice = choice;
        PollTimeStrategy = timing;
        _logger.LogInformation(
            "NAPI probe attached with {Strategy}; poll time: {Timing}; network namespace {Netns}, interface index {Ifindex} (0: all)",
            choice,
            timing switch
            {
                null => "off",
                ProbeAttachStrategy.Tracepoint => "NET_RX softirq tracepoints (approximate: kprobes and fentry are not available)",
                { } t => $"{t.SectionName()} on __napi_poll (exact)",
            },
            _options.NetworkNamespace, _options.InterfaceIndex);
        return session;
    }

    private ProbeSession AttachWith(ProbeAttachStrategy strategy, ProbeAttachStrategy? timing)
    {
        var links = new List<BpfLink>();
        try
        {
            using (var open = NapiSkeleton.Open())
            {
                open.TargNetns = _options.NetworkNamespace;
                open.TargIfindex = (uint)_options.InterfaceIndex;
                open.TpBtfNapiPollProgram.Autoload = strategy == ProbeAttachStrategy.BtfRawTracepoint;
                open.TpNapiPollProgram.Autoload = strategy == ProbeAttachStrategy.Tracepoint;
                open.FentryNapiPollProgram.Autoload = open.FexitNapiPollProgram.Autoload = timing == ProbeAttachStrategy.Fentry;
                open.KprobeNapiPollProgram.Autoload = open.KretprobeNapiPollProgram.Autoload = timing == ProbeAttachStrategy.Kprobe;
                open.SoftirqEntryProgram.Autoload = open.SoftirqExitProgram.Autoload = timing == ProbeAttachStrategy.Tracepoint;
                _skeleton = open.Load();
            }
            var s = _skeleton;
            var programs = new List<BpfProgram> { strategy == ProbeAttachStrategy.BtfRawTracepoint ? s.TpBtfNapiPollProgram : s.TpNapiPollProgram };
            if (timing == ProbeAttachStrategy.Fentry)
                programs.AddRange([s.FentryNapiPollProgram, s.FexitNapiPollProgram]);
            else if (timing == ProbeAttachStrategy.Kprobe)
                programs.AddRange([s.KprobeNapiPollProgram, s.KretprobeNapiPollProgram]);
            else if (timing == ProbeAttachStrategy.Tracepoint)
                programs.AddRange([s.SoftirqEntryProgram, s.SoftirqExitProgram]);
            foreach (var program in programs)
                links.Add(program.Attach());
        }
        catch
        {
            ProbeSession.ReleaseFailedAttach(links, _skeleton);
            throw;
        }

        _lastRead = Stopwatch.GetTimestamp();
        var skeleton = _skeleton;
        return new ProbeSession(links, skeleton.Dispose, () => _samples.Publish(ReadSample()));
    }

    private NapiSample ReadSample()
    {
        var now = Stopwatch.GetTimestamp();
        var interval = Stopwatch.GetElapsedTime(_lastRead, now);
        _lastRead = now;
        var skeleton = _skeleton!;
        var timed = PollTimeStrategy is not null;
        var emptyWork = new Log2Histogram([], 0, HistogramUnit.Count);
        var emptyTime = new Log2Histogram([], 0, HistogramUnit.Nanoseconds);

        var instances = new List<NapiInstanceSample>();
        // Only lookups: the kernel's counters are never reset. Every instance has its counters first.
        foreach (var key in skeleton.NapiStatsMap.Keys)
        {
            if (!skeleton.NapiStatsMap.TryLookup(key, out var stats))
                continue;
            var counters = new NapiCounters(stats.Polls, stats.Work, stats.BudgetExhausted, stats.IdlePolls);
            var work = skeleton.WorkHistsMap.TryLookup(key, out var w) ? new Log2Histogram(w.Slots, w.Sum, HistogramUnit.Count) : emptyWork;
            var time = timed && skeleton.TimeHistsMap.TryLookup(key, out var t) ? new Log2Histogram(t.Slots, t.Sum, HistogramUnit.Nanoseconds) : emptyTime;
            var known = _previous.TryGetValue(key, out var earlier);
            _previous[key] = (counters, work, time);
            instances.Add(new NapiInstanceSample
            {
                NetworkNamespace = key.NetnsIno,
                InterfaceIndex = (int)key.Ifindex,
                Device = stats.Dev.ToString(),
                NapiId = key.NapiId,
                Counters = known ? counters.Subtract(earlier.Counters) : counters,
                CountersCumulative = counters,
                WorkPerPoll = known ? work.Subtract(earlier.Work) : work,
                WorkPerPollCumulative = work,
                PollTime = !timed ? null : known ? time.Subtract(earlier.Time) : time,
                PollTimeCumulative = timed ? time : null,
            });
        }
        instances.Sort((a, b) => a.NetworkNamespace != b.NetworkNamespace ? a.NetworkNamespace.CompareTo(b.NetworkNamespace)
            : a.InterfaceIndex != b.InterfaceIndex ? a.InterfaceIndex.CompareTo(b.InterfaceIndex)
            : a.NapiId.CompareTo(b.NapiId));
        return new NapiSample(DateTimeOffset.UtcNow, interval, instances);
    }
}
