using XMonitor.Bpf.Probes.ProcessVm;

namespace XMonitor.Bpf.Prometheus;

/// <summary>
/// Exports a <see cref="ProcessVmProbe"/>'s samples (one per <see cref="Bpf.Probes.SampledProbeOptions.Interval"/>):
/// per process the private anonymous, shared and brk address space mapped now (top
/// <see cref="XMonitorMetricsOptions.MaxProcessSeries"/> processes by their total, the rest summed
/// into <c>comm="other"</c>), and per kind the bytes mapped and unmapped by every process since the
/// collector's first reading.
/// </summary>
/// <remarks>
/// The kernel forgets a process when it exits, so the totals are kept here: each sample adds what
/// every process mapped and unmapped since the previous sample. What a process did between the
/// last interval and its exit is not counted. A scrape writes the last sample: the probe read the
/// map for it already, and reading it again per scrape would cost a syscall per process (3 ms for
/// 1,000 processes here).
/// </remarks>
public sealed class ProcessVmMetricsCollector : IBpfMetricsCollector, IDisposable
{
    private static readonly string[] ProcessLabelNames = ["pid", "comm"];
    private static readonly (ProcessVmKind Kind, string Label)[] Kinds =
        [(ProcessVmKind.AnonymousPrivate, "anon_private"), (ProcessVmKind.Shared, "shared"), (ProcessVmKind.Brk, "brk")];

    internal static readonly MetricFamily PrivateAnon = new("xmonitor_process_private_anon_bytes", MetricType.Gauge, "Private anonymous address space (mmap MAP_PRIVATE|MAP_ANONYMOUS) a process has mapped now, of what it mapped while the probe ran; top N processes (comm=\"other\" for the rest).", ProcessLabelNames, "bytes");
    internal static readonly MetricFamily Shared = new("xmonitor_process_shared_bytes", MetricType.Gauge, "Shared address space (mmap MAP_SHARED) a process has mapped now, of what it mapped while the probe ran; top N processes (comm=\"other\" for the rest).", ProcessLabelNames, "bytes");
    internal static readonly MetricFamily Brk = new("xmonitor_process_brk_bytes", MetricType.Gauge, "brk heap a process has now, of what it grew while the probe ran; top N processes (comm=\"other\" for the rest).", ProcessLabelNames, "bytes");
    internal static readonly MetricFamily Allocated = new("xmonitor_process_vm_allocated_bytes", MetricType.Counter, "Address space mapped by every traced process, by kind (anon_private, shared, brk).", ["kind"], "bytes");
    internal static readonly MetricFamily Freed = new("xmonitor_process_vm_freed_bytes", MetricType.Counter, "Address space unmapped by every traced process, by kind (anon_private, shared, brk).", ["kind"], "bytes");

    private readonly ProcessVmProbe _probe;
    private readonly int _maxProcessSeries;
    private readonly int _pageSize = Environment.SystemPageSize;
    private readonly string _legacyType;
    private readonly string _legacyValue;
    private readonly Lock _gate = new();
    private readonly IDisposable _subscription;
    private readonly DateTimeOffset _created = DateTimeOffset.UtcNow;
    private readonly ulong[] _allocated = new ulong[Kinds.Length];
    private readonly ulong[] _freed = new ulong[Kinds.Length];
    private Dictionary<int, ProcessVmProcess> _previous = [];
    private ProcessVmSample? _last;

    /// <summary>Subscribes to <paramref name="probe"/>'s samples.</summary>
    /// <param name="probe">The probe to export, started or not.</param>
    /// <param name="maxProcessSeries">How many processes get a series of their own (<see cref="XMonitorMetricsOptions.MaxProcessSeries"/>).</param>
    public ProcessVmMetricsCollector(ProcessVmProbe probe, int maxProcessSeries = 50)
    {
        ArgumentNullException.ThrowIfNull(probe);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxProcessSeries, 1);
        _probe = probe;
        _maxProcessSeries = maxProcessSeries;
        var filter = probe.Options.Filter;
        _legacyType = ProbeFilterLabels.LegacyType(filter);
        _legacyValue = ProbeFilterLabels.Value(filter);
        _subscription = probe.Samples.Subscribe(new SampleObserver<ProcessVmSample>(OnSample));
    }

    /// <inheritdoc />
    public string ProbeName => "ProcessVm";

    /// <inheritdoc />
    public IReadOnlyList<MetricFamily> Families { get; } = [PrivateAnon, Shared, Brk, Allocated, Freed, LegacyMetrics.ProcessPrivateAnonPages];

    /// <inheritdoc />
    public IEnumerable<BpfProgram> Programs => _probe.Programs;

    /// <inheritdoc />
    public IEnumerable<BpfLink> Links => _probe.Links;

    /// <inheritdoc />
    public void Collect(MetricWriter writer, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ProcessVmSample? sample;
        ulong[] allocated, freed;
        lock (_gate)
            (sample, allocated, freed) = (_last, [.. _allocated], [.. _freed]);

        for (var k = 0; k < Kinds.Length; k++)
            writer.Counter(Allocated, [new("kind", Kinds[k].Label)], allocated[k], _created);
        for (var k = 0; k < Kinds.Length; k++)
            writer.Counter(Freed, [new("kind", Kinds[k].Label)], freed[k], _created);
        if (sample is null)
            return;

        var processes = TopSeries.Bound(
            sample.Processes.Where(p => p.CurrentBytes > 0).Select(p => new ProcessVmEntry(
                p.ProcessId, p.Command,
                p.AnonymousPrivate.CurrentBytes, p.Shared.CurrentBytes, p.Brk.CurrentBytes)).ToArray(),
            _maxProcessSeries,
            p => p.Total,
            (a, b) => a with { AnonymousPrivate = a.AnonymousPrivate + b.AnonymousPrivate, Shared = a.Shared + b.Shared, Brk = a.Brk + b.Brk },
            p => p with { Pid = ProcessLabels.OtherPid, Comm = TopSeries.OtherComm });
        var labels = processes.Select(p => ProcessLabels.Of(p.Pid, p.Comm)).ToArray();
        for (var i = 0; i < processes.Count; i++)
            writer.Gauge(PrivateAnon, labels[i], processes[i].AnonymousPrivate);
        for (var i = 0; i < processes.Count; i++)
            writer.Gauge(Shared, labels[i], processes[i].Shared);
        for (var i = 0; i < processes.Count; i++)
            writer.Gauge(Brk, labels[i], processes[i].Brk);

        if (!writer.IncludeLegacyNames)
            return;
        // The seed split a process's private anonymous pages by the call that made them: mmap or brk.
        for (var i = 0; i < processes.Count; i++)
        {
            var (pid, comm) = (labels[i][0], labels[i][1]);
            writer.Gauge(LegacyMetrics.ProcessPrivateAnonPages, [pid, comm, new("call", "mmap"), new("res_type", _legacyType), new("res_value", _legacyValue)], processes[i].AnonymousPrivate / _pageSize);
            writer.Gauge(LegacyMetrics.ProcessPrivateAnonPages, [pid, comm, new("call", "brk"), new("res_type", _legacyType), new("res_value", _legacyValue)], processes[i].Brk / _pageSize);
        }
    }

    /// <summary>Unsubscribes from the probe.</summary>
    public void Dispose() => _subscription.Dispose();

    private void OnSample(ProcessVmSample sample)
    {
        lock (_gate)
        {
            Accumulate(sample);
            _last = sample;
        }
    }

    /// <summary>Adds what each process mapped and unmapped since the previous reading to the totals.</summary>
    private void Accumulate(ProcessVmSample sample)
    {
        var current = new Dictionary<int, ProcessVmProcess>(sample.Processes.Count);
        foreach (var p in sample.Processes)
        {
            // A pid seen for the first time, or reused by a new process (its figures restarted), counts in full.
            var previous = _previous.GetValueOrDefault(p.ProcessId);
            for (var k = 0; k < Kinds.Length; k++)
            {
                var now = p[Kinds[k].Kind];
                var before = previous?[Kinds[k].Kind] ?? default;
                var restarted = now.AllocatedBytes < before.AllocatedBytes || now.FreedBytes < before.FreedBytes;
                _allocated[k] += restarted ? now.AllocatedBytes : now.AllocatedBytes - before.AllocatedBytes;
                _freed[k] += restarted ? now.FreedBytes : now.FreedBytes - before.FreedBytes;
            }
            current[p.ProcessId] = p;
        }
        _previous = current;
    }
}
