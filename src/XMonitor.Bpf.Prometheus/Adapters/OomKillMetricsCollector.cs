using System.Globalization;
using XMonitor.Bpf.Probes.OomKill;

namespace XMonitor.Bpf.Prometheus;

/// <summary>
/// Exports an <see cref="OomKillProbe"/>: OOM kills as a counter per scope (what ran out: the whole
/// system or a memory cgroup) and victim memory cgroup, and the most recent victim as one info series
/// with gauges of what it held.
/// </summary>
/// <remarks>
/// Kills are counted from the probe's events, one per victim; they are the records the kernel's
/// per-memcg count (<see cref="OomKillProbe.GetKillsPerCgroup"/>) counts, with the constraint that
/// map lacks. A memory cgroup's labels are taken at its first kill, because the cgroup is often
/// removed right after. At most <see cref="XMonitorMetricsOptions.MaxProcessSeries"/> cgroups get a
/// series of their own; kills in further cgroups count into <c>cgroup="other"</c>.
/// </remarks>
public sealed class OomKillMetricsCollector : IBpfMetricsCollector, IDisposable
{
    private static readonly string[] CgroupLabelNames = ["scope", "cgroup", "pod_uid", "container_id"];

    internal static readonly MetricFamily Kills = new("xmonitor_oom_kills", MetricType.Counter, "Processes the OOM killer killed, by scope (os: the whole system; memcg: a memory cgroup's limit; cpuset, mempolicy, unknown) and the victim's memory cgroup.", CgroupLabelNames);
    internal static readonly MetricFamily LastVictim = new("xmonitor_oom_last_victim", MetricType.Info, "The most recent OOM victim.", ["pid", "comm", "scope", "cgroup", "pod_uid", "container_id"]);
    internal static readonly MetricFamily LastKillTime = new("xmonitor_oom_last_kill_timestamp_seconds", MetricType.Gauge, "When the most recent OOM victim was killed, in seconds since the Unix epoch.", [], "seconds");
    internal static readonly MetricFamily LastVictimMemory = new("xmonitor_oom_last_victim_memory_bytes", MetricType.Gauge, "What the most recent OOM victim held (kind: total_vm, anon_rss, file_rss, shmem_rss, swap, page_tables).", ["kind"], "bytes");

    private readonly OomKillProbe _probe;
    private readonly int _maxCgroupSeries;
    private readonly CgroupLabelResolver? _cgroups = CgroupLabelResolver.MemoryV1() ?? CgroupLabelResolver.Unified();
    private readonly Lock _gate = new();
    private readonly IDisposable _subscription;
    private readonly DateTimeOffset _created = DateTimeOffset.UtcNow;
    private readonly Dictionary<(string Scope, ulong Memcg), OomKillCount> _counts = [];
    private readonly Dictionary<string, OomKillCount> _other = [];
    private OomKillEvent? _last;
    private CgroupLabels _lastCgroup = CgroupLabels.Unknown;
    private OomKillEvent? _lastGlobal;
    private OomKillEvent? _lastMemcg;

    /// <summary>Subscribes to <paramref name="probe"/>'s kills.</summary>
    /// <param name="probe">The probe to export, started or not.</param>
    /// <param name="maxCgroupSeries">How many memory cgroups get a series of their own (<see cref="XMonitorMetricsOptions.MaxProcessSeries"/>).</param>
    public OomKillMetricsCollector(OomKillProbe probe, int maxCgroupSeries = 50)
    {
        ArgumentNullException.ThrowIfNull(probe);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxCgroupSeries, 1);
        _probe = probe;
        _maxCgroupSeries = maxCgroupSeries;
        _subscription = probe.Events.Subscribe(new SampleObserver<OomKillEvent>(OnKill));
    }

    /// <inheritdoc />
    public string ProbeName => "OomKill";

    /// <inheritdoc />
    public IReadOnlyList<MetricFamily> Families { get; } =
        [Kills, LastVictim, LastKillTime, LastVictimMemory, LegacyMetrics.OomKillOs, LegacyMetrics.OomKillMemcg];

    /// <inheritdoc />
    public IEnumerable<BpfProgram> Programs => _probe.Programs;

    /// <inheritdoc />
    public IEnumerable<BpfLink> Links => _probe.Links;

    /// <inheritdoc />
    public void Collect(MetricWriter writer, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(writer);
        (string Scope, CgroupLabels Cgroup, ulong Kills)[] counts;
        OomKillEvent? last, lastGlobal, lastMemcg;
        CgroupLabels cgroup;
        lock (_gate)
        {
            counts = [.. _counts.Values.Concat(_other.Values).Select(c => (c.Scope, c.Cgroup, c.Kills))];
            (last, lastGlobal, lastMemcg, cgroup) = (_last, _lastGlobal, _lastMemcg, _lastCgroup);
        }
        foreach (var (scope, labels, kills) in counts)
            writer.Counter(Kills, [new("scope", scope), new("cgroup", labels.Cgroup), new("pod_uid", labels.PodUid), new("container_id", labels.ContainerId)], kills, _created);
        if (last is not null)
        {
            writer.Info(LastVictim, [new("pid", Text(last.ProcessId)), new("comm", last.Command), new("scope", Scope(last.Constraint)), new("cgroup", cgroup.Cgroup), new("pod_uid", cgroup.PodUid), new("container_id", cgroup.ContainerId)]);
            writer.Gauge(LastKillTime, [], last.Timestamp.ToUnixTimeMilliseconds() / 1e3);
            writer.Gauge(LastVictimMemory, [new("kind", "total_vm")], last.TotalVmBytes);
            writer.Gauge(LastVictimMemory, [new("kind", "anon_rss")], last.AnonRssBytes);
            writer.Gauge(LastVictimMemory, [new("kind", "file_rss")], last.FileRssBytes);
            writer.Gauge(LastVictimMemory, [new("kind", "shmem_rss")], last.ShmemRssBytes);
            writer.Gauge(LastVictimMemory, [new("kind", "swap")], last.SwapBytes);
            writer.Gauge(LastVictimMemory, [new("kind", "page_tables")], last.PageTableBytes);
        }
        if (!writer.IncludeLegacyNames)
            return;
        // The seed kept a series per victim, labelled with what it held; the most recent one of each
        // kind bounds that to two series. The value is the kernel's badness, NaN when no strategy read it.
        if (lastGlobal is not null)
        {
            writer.Gauge(LegacyMetrics.OomKillOs,
                [.. VictimLabels(lastGlobal), new("mem_limit_kb", lastGlobal.TotalPages is { } pages ? Text(pages * (ulong)Environment.SystemPageSize / 1024) : ""), new("msg", lastGlobal.Message)],
                lastGlobal.Points ?? double.NaN);
        }
        if (lastMemcg is not null)
        {
            writer.Gauge(LegacyMetrics.OomKillMemcg,
                [.. VictimLabels(lastMemcg), new("memcg_inode", Text(lastMemcg.OomMemoryCgroupId != 0 ? lastMemcg.OomMemoryCgroupId : lastMemcg.MemoryCgroupId)), new("memcg_limit_kb", Text(lastMemcg.MemoryCgroupLimitBytes / 1024)), new("msg", lastMemcg.Message)],
                lastMemcg.Points ?? double.NaN);
        }
    }

    /// <summary>Unsubscribes from the probe; the counts so far stay readable.</summary>
    public void Dispose() => _subscription.Dispose();

    private static Label[] VictimLabels(OomKillEvent e) =>
    [
        new("pid", Text(e.ProcessId)), new("tid", Text(e.ThreadId)), new("comm", e.Command),
        new("file_rss_kb", Text(e.FileRssBytes / 1024)), new("anon_rss_kb", Text(e.AnonRssBytes / 1024)), new("shmem_rss_kb", Text(e.ShmemRssBytes / 1024)),
    ];

    private static string Text(long value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Text(ulong value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>The <c>scope</c> label: os for the seed's oom_kill_os, memcg for its oom_kill_memcg.</summary>
    private static string Scope(OomConstraint constraint) => constraint switch
    {
        OomConstraint.Global => "os",
        OomConstraint.MemoryCgroup => "memcg",
        OomConstraint.Cpuset => "cpuset",
        OomConstraint.MemoryPolicy => "mempolicy",
        _ => "unknown",
    };

    private void OnKill(OomKillEvent e)
    {
        var scope = Scope(e.Constraint);
        var cgroup = CgroupOf(e);
        lock (_gate)
        {
            if (_counts.TryGetValue((scope, e.MemoryCgroupId), out var count))
            {
                count.Kills++;
            }
            else if (_counts.Count < _maxCgroupSeries)
            {
                _counts[(scope, e.MemoryCgroupId)] = new OomKillCount(scope, cgroup) { Kills = 1 };
            }
            else
            {
                if (!_other.TryGetValue(scope, out var other))
                    _other[scope] = other = new OomKillCount(scope, new CgroupLabels(TopSeries.OtherComm, "", ""));
                other.Kills++;
            }
            _last = e;
            _lastCgroup = cgroup;
            if (e.Constraint == OomConstraint.MemoryCgroup)
                _lastMemcg = e;
            else
                _lastGlobal = e;
        }
    }

    /// <summary>
    /// The victim's memory cgroup as labels: from the resolver while the cgroup exists, else from the
    /// path the probe resolved at the kill, relative to the hierarchy's mount.
    /// </summary>
    private CgroupLabels CgroupOf(OomKillEvent e)
    {
        if (e.MemoryCgroupId == 0)
            return CgroupLabels.Unknown;
        if (_cgroups?.Labels(e.MemoryCgroupId) is { Cgroup.Length: > 0 } resolved)
            return resolved;
        if (e.MemoryCgroupPath is { } path && _cgroups is not null && path.StartsWith(_cgroups.Root, StringComparison.Ordinal))
            return CgroupLabels.FromPath(path.Length == _cgroups.Root.Length ? "/" : path[_cgroups.Root.Length..]);
        return CgroupLabels.Unknown;
    }
}
