using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace XMonitor.Bpf.Probes.Napi;

/// <summary>
/// The NAPI probe: how the network receive path polls. Per NAPI instance (network namespace,
/// device, NAPI id): polls, packets processed, polls that used their whole budget, idle polls, a
/// log2 histogram of packets per poll and, optionally, of the time per poll, all aggregated in the
/// kernel from net:napi_poll. The counters hook it as a BTF raw tracepoint (tp_btf) where the
/// kernel has it and as a classic tracepoint otherwise (<see cref="Probe.AttachStrategy"/>); the timing,
/// when asked for, uses fentry/fexit or kprobes on <c>__napi_poll</c> where available and the NET_RX
/// softirq tracepoints otherwise (<see cref="PollTimeStrategy"/>, <see cref="PollTimeIsApproximate"/>).
/// </summary>
/// <remarks>
/// Subscribe to <see cref="Samples"/>, then <see cref="Probe.Start"/>. The maps are read every
/// <see cref="SampledProbeOptions.Interval"/> without deleting anything in the kernel. Disposing detaches
/// every program, publishes a last sample for the partial interval and completes the observable.
/// A probe starts once.
/// </remarks>
public sealed class NapiProbe : Probe<NapiOptions>, ISampledProbe<NapiSample>
{
    private readonly ObservableBroadcaster<NapiSample> _samples;
    private readonly Dictionary<NapiSkeleton.NapiKey, (NapiCounters Counters, Log2Histogram Work, Log2Histogram Time)> _previous = [];
    private NapiSkeleton? _skeleton;

    /// <summary>Creates a probe with a copy of <paramref name="options"/>; nothing touches the kernel before <see cref="Probe.Start"/>.</summary>
    public NapiProbe(NapiOptions options, ILogger<NapiProbe>? logger = null)
        : base(options, "napi", "NAPI probe", logger)
    {
        _samples = CreateStream<NapiSample>();
    }

    /// <summary>
    /// The strategy the poll timing was attached with: <see cref="BpfAttachKind.Fentry"/>,
    /// <see cref="BpfAttachKind.Kprobe"/> (both exact) or <see cref="BpfAttachKind.Tracepoint"/>
    /// (NET_RX softirq brackets, approximate); null without <see cref="NapiOptions.MeasurePollTime"/> or before start.
    /// </summary>
    public BpfAttachKind? PollTimeStrategy { get; private set; }

    /// <summary>
    /// True when the time per poll comes from the softirq tracepoints: a poll is timed from the
    /// NET_RX softirq's start, or from the previous poll's end in the same softirq run, so it includes
    /// net_rx_action()'s bookkeeping and hard interrupts in between, and polls outside the softirq
    /// (threaded NAPI, busy polling) are not timed.
    /// </summary>
    public bool PollTimeIsApproximate => PollTimeStrategy == BpfAttachKind.Tracepoint;

    /// <summary>The counters and histograms per NAPI instance, every <see cref="SampledProbeOptions.Interval"/> and once more on dispose.</summary>
    public IObservable<NapiSample> Samples => _samples;

    private protected override ProbeSession Attach()
    {
        var counters = BpfAttachChooser<BpfAttachKind>.ForStrategies(Description, Logger, Settings.AttachStrategy, Settings.SupportedStrategies);
        var timings = Settings.MeasurePollTime
            ? BpfAttachChooser<BpfAttachKind>.ForStrategies(Description, Logger, Settings.PollTimeStrategy, NapiOptions.TimingStrategies)
            : null;
        var (session, (_, timing), choice) = counters.With(timings).Attach(plan => AttachWith(plan.First, plan.Second));
        StrategyChoice = choice;
        PollTimeStrategy = timing;
        Logger.LogInformation(
            "NAPI probe attached with {Strategy}; poll time: {Timing}; network namespace {Netns}, interface index {Ifindex} (0: all)",
            choice,
            timing switch
            {
                null => "off",
                BpfAttachKind.Tracepoint => "NET_RX softirq tracepoints (approximate: kprobes and fentry are not available)",
                { } t => $"{t.SectionPrefix()} on __napi_poll (exact)",
            },
            Settings.NetworkNamespace, Settings.InterfaceIndex);
        return session;
    }

    private ProbeSession AttachWith(BpfAttachKind strategy, BpfAttachKind? timing)
    {
        var links = new List<BpfLink>();
        try
        {
            using (var open = NapiSkeleton.Open())
            {
                open.TargNetns = Settings.NetworkNamespace;
                open.TargIfindex = (uint)Settings.InterfaceIndex;
                open.TpBtfNapiPollProgram.Autoload = strategy == BpfAttachKind.BtfRawTracepoint;
                open.TpNapiPollProgram.Autoload = strategy == BpfAttachKind.Tracepoint;
                open.FentryNapiPollProgram.Autoload = open.FexitNapiPollProgram.Autoload = timing == BpfAttachKind.Fentry;
                open.KprobeNapiPollProgram.Autoload = open.KretprobeNapiPollProgram.Autoload = timing == BpfAttachKind.Kprobe;
                open.SoftirqEntryProgram.Autoload = open.SoftirqExitProgram.Autoload = timing == BpfAttachKind.Tracepoint;
                _skeleton = open.Load();
            }
            var s = _skeleton;
            var programs = new List<BpfProgram> { strategy == BpfAttachKind.BtfRawTracepoint ? s.TpBtfNapiPollProgram : s.TpNapiPollProgram };
            if (timing == BpfAttachKind.Fentry)
                programs.AddRange([s.FentryNapiPollProgram, s.FexitNapiPollProgram]);
            else if (timing == BpfAttachKind.Kprobe)
                programs.AddRange([s.KprobeNapiPollProgram, s.KretprobeNapiPollProgram]);
            else if (timing == BpfAttachKind.Tracepoint)
                programs.AddRange([s.SoftirqEntryProgram, s.SoftirqExitProgram]);
            foreach (var program in programs)
                links.Add(program.Attach());
        }
        catch
        {
            ProbeSession.ReleaseFailedAttach(links, _skeleton);
            throw;
        }

        StartInterval();
        var skeleton = _skeleton;
        return new ProbeSession(links, skeleton.Dispose, () => _samples.Publish(ReadSample()));
    }

    private NapiSample ReadSample()
    {
        var interval = TakeInterval();
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
