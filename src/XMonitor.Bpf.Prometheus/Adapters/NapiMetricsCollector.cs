using System.Globalization;
using XMonitor.Bpf.Probes;
using XMonitor.Bpf.Probes.Napi;

namespace XMonitor.Bpf.Prometheus;

/// <summary>
/// Exports a <see cref="NapiProbe"/>: per NAPI instance (network namespace, device, NAPI id) polls,
/// packets, polls that used their whole budget and idle polls as counters, the kernel's cumulative
/// packets-per-poll histogram and, with <see cref="NapiOptions.MeasurePollTime"/>, its time-per-poll
/// histogram in seconds.
/// </summary>
/// <remarks>
/// A scrape writes what the probe's last interval read from its maps. Instances are bounded to
/// <see cref="XMonitorMetricsOptions.MaxProcessSeries"/> (a node with a veth per pod can have many):
/// an instance that got a series keeps it while it exists, the others are summed into one
/// <c>device="other"</c> series for good, so no counter goes down.
/// </remarks>
public sealed class NapiMetricsCollector : IBpfMetricsCollector, IDisposable
{
    private static readonly string[] InstanceLabels = ["netns", "device", "napi_id"];

    internal static readonly MetricFamily Polls = new("xmonitor_napi_polls", MetricType.Counter, "NAPI polls (net:napi_poll) of the instance.", InstanceLabels);
    internal static readonly MetricFamily Packets = new("xmonitor_napi_packets", MetricType.Counter, "Packets the instance's polls processed.", InstanceLabels);
    internal static readonly MetricFamily BudgetExhausted = new("xmonitor_napi_budget_exhausted_polls", MetricType.Counter, "Polls that used their whole budget: more was waiting and the kernel polls again (frequent ones are a sign of overload).", InstanceLabels);
    internal static readonly MetricFamily IdlePolls = new("xmonitor_napi_idle_polls", MetricType.Counter, "Polls that found no packet.", InstanceLabels);
    internal static readonly MetricFamily PacketsPerPoll = new("xmonitor_napi_poll_packets", MetricType.Histogram, "Packets per NAPI poll since the probe started.", InstanceLabels);
    internal static readonly MetricFamily PollTime = new("xmonitor_napi_poll_duration_seconds", MetricType.Histogram, "Time per NAPI poll since the probe started (with MeasurePollTime; approximate with the softirq strategy).", InstanceLabels, "seconds");

    private static readonly Label[] OtherLabels = [new("netns", ""), new("device", TopSeries.OtherComm), new("napi_id", "")];

    private readonly NapiProbe _probe;
    private readonly Lock _gate = new();
    private readonly IDisposable _subscription;
    private readonly DateTimeOffset _created = DateTimeOffset.UtcNow;
    private readonly StickySeries _bound;
    private readonly Dictionary<(uint Netns, int Ifindex, uint NapiId), ulong> _keys = [];
    private NapiSample? _latest;

    /// <summary>Subscribes to <paramref name="probe"/>'s samples.</summary>
    /// <param name="probe">The probe to export, started or not.</param>
    /// <param name="maxProcessSeries">How many NAPI instances get a series of their own (<see cref="XMonitorMetricsOptions.MaxProcessSeries"/>).</param>
    public NapiMetricsCollector(NapiProbe probe, int maxProcessSeries = 50)
    {
        ArgumentNullException.ThrowIfNull(probe);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxProcessSeries, 1);
        _probe = probe;
        _bound = new StickySeries(maxProcessSeries);
        _subscription = probe.Samples.Subscribe(new SampleObserver<NapiSample>(s =>
        {
            lock (_gate)
                _latest = s;
        }));
    }

    /// <inheritdoc />
    public string ProbeName => "Napi";

    /// <inheritdoc />
    public IReadOnlyList<MetricFamily> Families { get; } = [Polls, Packets, BudgetExhausted, IdlePolls, PacketsPerPoll, PollTime];

    /// <inheritdoc />
    public IEnumerable<BpfLink> Links => _probe.Links;

    /// <inheritdoc />
    public void Collect(MetricWriter writer, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(writer);
        NapiSample? latest;
        lock (_gate)
            latest = _latest;
        if (latest is null)
            return;

        var instances = latest.Instances;
        var own = _bound.Assign(instances.Select(i => (Key(i), (double)i.Counters.Polls)).ToArray());
        var rows = new List<(Label[] Labels, NapiCounters Counters, Log2Histogram Work, Log2Histogram? Time)>(instances.Count + 1);
        var other = default(NapiCounters);
        Span<ulong> otherWork = stackalloc ulong[Log2Histogram.SlotCount];
        Span<ulong> otherTime = stackalloc ulong[Log2Histogram.SlotCount];
        otherWork.Clear();
        otherTime.Clear();
        ulong otherWorkSum = 0, otherTimeSum = 0;
        var hasOther = false;
        for (var i = 0; i < instances.Count; i++)
        {
            var instance = instances[i];
            if (own[i])
            {
                rows.Add((Labels(instance), instance.CountersCumulative, instance.WorkPerPollCumulative, instance.PollTimeCumulative));
                continue;
            }
            hasOther = true;
            var c = instance.CountersCumulative;
            other = new(other.Polls + c.Polls, other.Work + c.Work, other.BudgetExhausted + c.BudgetExhausted, other.IdlePolls + c.IdlePolls);
            for (var s = 0; s < Log2Histogram.SlotCount; s++)
            {
                otherWork[s] += instance.WorkPerPollCumulative[s];
                otherTime[s] += instance.PollTimeCumulative?[s] ?? 0;
            }
            otherWorkSum += instance.WorkPerPollCumulative.Sum;
            otherTimeSum += instance.PollTimeCumulative?.Sum ?? 0;
        }
        if (hasOther)
        {
            var timed = _probe.Options.MeasurePollTime;
            rows.Add((OtherLabels, other, new Log2Histogram(otherWork, otherWorkSum, HistogramUnit.Count),
                timed ? new Log2Histogram(otherTime, otherTimeSum, HistogramUnit.Nanoseconds) : null));
        }

        foreach (var row in rows)
            writer.Counter(Polls, row.Labels, row.Counters.Polls, _created);
        foreach (var row in rows)
            writer.Counter(Packets, row.Labels, row.Counters.Work, _created);
        foreach (var row in rows)
            writer.Counter(BudgetExhausted, row.Labels, row.Counters.BudgetExhausted, _created);
        foreach (var row in rows)
            writer.Counter(IdlePolls, row.Labels, row.Counters.IdlePolls, _created);
        foreach (var row in rows)
            Log2HistogramLayout.Counts.Write(writer, PacketsPerPoll, row.Labels, row.Work);
        foreach (var row in rows)
        {
            if (row.Time is { } time)
                Log2HistogramLayout.Nanoseconds.Write(writer, PollTime, row.Labels, time);
        }
    }

    /// <summary>Unsubscribes from the probe; the values collected so far stay readable.</summary>
    public void Dispose() => _subscription.Dispose();

    /// <summary>The per-CPU backlog has no device: <c>device="backlog"</c>.</summary>
    private static Label[] Labels(NapiInstanceSample instance) =>
    [
        new("netns", instance.NetworkNamespace.ToString(CultureInfo.InvariantCulture)),
        new("device", instance.InterfaceIndex == 0 ? "backlog" : instance.Device),
        new("napi_id", instance.NapiId.ToString(CultureInfo.InvariantCulture)),
    ];

    /// <summary>A small number per instance for <see cref="StickySeries"/>, stable for the collector's life.</summary>
    private ulong Key(NapiInstanceSample instance)
    {
        var key = (instance.NetworkNamespace, instance.InterfaceIndex, instance.NapiId);
        if (!_keys.TryGetValue(key, out var id))
            _keys[key] = id = (ulong)_keys.Count;
        return id;
    }
}
