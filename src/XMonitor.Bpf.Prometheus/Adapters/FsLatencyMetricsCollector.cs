using System.Globalization;
using XMonitor.Bpf.Probes;
using XMonitor.Bpf.Probes.FsLatency;

namespace XMonitor.Bpf.Prometheus;

/// <summary>
/// Exports an <see cref="FsLatencyProbe"/>: per file system and operation (read, write, open, fsync,
/// getattr) the kernel's cumulative latency histogram in seconds, calls, errors and bytes as
/// counters, and calls slower than the probe's <see cref="FsLatencyOptions.SlowThreshold"/> as a counter.
/// </summary>
/// <remarks>
/// Labels: <c>fstype</c>, <c>device</c> (the mount's source: <c>server:/export</c> for NFS,
/// <c>/dev/vda</c>; <c>major:minor</c> when the file system is not in the mount table),
/// <c>mountpoint</c> and <c>operation</c>. A scrape writes what the probe's last interval read from
/// its maps. File systems are bounded to <see cref="XMonitorMetricsOptions.MaxProcessSeries"/> (a
/// Kubernetes node has a tmpfs per secret volume): a file system that got series keeps them, later
/// ones are summed into <c>device="other"</c> for good, so no counter goes down. For NFS mounts the
/// seed's <c>fs_nfs_operation_latency</c> is written too when the seed's names are on.
/// </remarks>
public sealed class FsLatencyMetricsCollector : IBpfMetricsCollector, IDisposable
{
    private static readonly string[] MountOperation = ["fstype", "device", "mountpoint", "operation"];

    internal static readonly MetricFamily Latency = new("xmonitor_fs_operation_latency_seconds", MetricType.Histogram, "Latency (call to return) of the file-system operations completed since the probe started.", MountOperation, "seconds");
    internal static readonly MetricFamily Operations = new("xmonitor_fs_operations", MetricType.Counter, "File-system operations completed and timed.", MountOperation);
    internal static readonly MetricFamily Errors = new("xmonitor_fs_operation_errors", MetricType.Counter, "File-system operations that returned an error.", MountOperation);
    internal static readonly MetricFamily Bytes = new("xmonitor_fs_operation_bytes", MetricType.Counter, "Bytes read or written (reads and writes only).", MountOperation, "bytes");
    internal static readonly MetricFamily SlowOperations = new("xmonitor_fs_slow_operations", MetricType.Counter, "File-system operations that took at least the probe's SlowThreshold (none when it is zero).", MountOperation);

    private readonly FsLatencyProbe _probe;
    private readonly string _type;
    private readonly Lock _gate = new();
    private readonly IDisposable[] _subscriptions;
    private readonly DateTimeOffset _created = DateTimeOffset.UtcNow;
    private readonly Dictionary<(uint Major, uint Minor, FsOperation Operation), ulong> _slowCounts = [];
    private readonly StickySeries _bound;
    private readonly FileSystemMount _other;
    private IReadOnlyList<FsOperationLatency> _latest = [];

    /// <summary>Subscribes to <paramref name="probe"/>'s readings and slow operations.</summary>
    /// <param name="probe">The probe to export, started or not.</param>
    /// <param name="maxProcessSeries">How many file systems get series of their own (<see cref="XMonitorMetricsOptions.MaxProcessSeries"/>).</param>
    public FsLatencyMetricsCollector(FsLatencyProbe probe, int maxProcessSeries = 50)
    {
        ArgumentNullException.ThrowIfNull(probe);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxProcessSeries, 1);
        _probe = probe;
        _type = probe.Options.FileSystemType;
        _bound = new StickySeries(maxProcessSeries);
        _other = new FileSystemMount(0, 0, _type, "", TopSeries.OtherComm);
        _subscriptions =
        [
            probe.Samples.Subscribe(new SampleObserver<FsLatencySample>(s => Observe(s.Operations))),
            probe.Events.Subscribe(new SampleObserver<SlowFsOperationEvent>(OnSlow)),
        ];
    }

    /// <inheritdoc />
    public string ProbeName => "FsLatency";

    /// <inheritdoc />
    public IReadOnlyList<MetricFamily> Families { get; } = [Latency, Operations, Errors, Bytes, SlowOperations, LegacyMetrics.FsNfsOperationLatency];

    /// <inheritdoc />
    public IEnumerable<BpfLink> Links => _probe.Links;

    /// <inheritdoc />
    public void Collect(MetricWriter writer, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(writer);
        IReadOnlyList<FsOperationLatency> operations;
        KeyValuePair<(uint Major, uint Minor, FsOperation Operation), ulong>[] slowCounts;
        lock (_gate)
        {
            operations = _latest;
            slowCounts = [.. _slowCounts.OrderBy(s => s.Key)];
        }
        var mounts = operations.Where(o => o.Mount is not null).Select(o => o.Mount!).Concat(_probe.Mounts).ToArray();
        var others = Bound(ref operations);
        var labels = operations.Select(o => Labels(o.Mount, o.Major, o.Minor, o.Operation)).ToArray();

        for (var i = 0; i < operations.Count; i++)
            Log2HistogramLayout.Microseconds.Write(writer, Latency, labels[i], operations[i].LatencyCumulative);
        for (var i = 0; i < operations.Count; i++)
            writer.Counter(Operations, labels[i], operations[i].CountersCumulative.Operations, _created);
        for (var i = 0; i < operations.Count; i++)
            writer.Counter(Errors, labels[i], operations[i].CountersCumulative.Errors, _created);
        for (var i = 0; i < operations.Count; i++)
        {
            if (operations[i].Operation is FsOperation.Read or FsOperation.Write)
                writer.Counter(Bytes, labels[i], operations[i].CountersCumulative.Bytes, _created);
        }
        foreach (var ((major, minor, operation), count) in slowCounts)
        {
            var mount = others.Contains(DeviceKey(major, minor)) ? _other : mounts.FirstOrDefault(m => m.Major == major && m.Minor == minor);
            writer.Counter(SlowOperations, Labels(mount, major, minor, operation), count, _created);
        }

        if (!writer.IncludeLegacyNames)
            return;
        // The seed watched NFS only: its histogram for the NFS mounts, labelled by the mount's source.
        for (var i = 0; i < operations.Count; i++)
        {
            var o = operations[i];
            if (!IsNfs(o.Mount?.Type ?? _type))
                continue;
            LegacyMetrics.MicrosecondLayout.Write(writer, LegacyMetrics.FsNfsOperationLatency, [labels[i][1], labels[i][3]], o.LatencyCumulative);
        }
    }

    /// <summary>Unsubscribes from the probe; the values collected so far stay readable.</summary>
    public void Dispose()
    {
        foreach (var subscription in _subscriptions)
            subscription.Dispose();
    }

    /// <summary>Takes a reading's operations as the ones the next scrape writes.</summary>
    internal void Observe(IReadOnlyList<FsOperationLatency> operations)
    {
        lock (_gate)
            _latest = operations;
    }

    /// <summary>The <c>operation</c> label.</summary>
    internal static string OperationName(FsOperation operation) => operation switch
    {
        FsOperation.Read => "read",
        FsOperation.Write => "write",
        FsOperation.Open => "open",
        FsOperation.Fsync => "fsync",
        FsOperation.Getattr => "getattr",
        _ => "other",
    };

    private static ulong DeviceKey(uint major, uint minor) => (ulong)major << 32 | minor;

    /// <summary>
    /// Keeps the operations of the file systems with series of their own and replaces the others'
    /// by one summed entry per operation on the "other" mount; returns the devices summed.
    /// </summary>
    private HashSet<ulong> Bound(ref IReadOnlyList<FsOperationLatency> operations)
    {
        var devices = operations.GroupBy(o => DeviceKey(o.Major, o.Minor))
            .Select(g => (g.Key, (double)g.Sum(o => (long)o.Counters.Operations))).ToArray();
        var own = _bound.Assign(devices);
        var others = devices.Where((_, i) => !own[i]).Select(d => d.Key).ToHashSet();
        if (others.Count == 0)
            return others;
        var kept = operations.Where(o => !others.Contains(DeviceKey(o.Major, o.Minor))).ToList();
        Span<ulong> slots = stackalloc ulong[Log2Histogram.SlotCount];
        foreach (var group in operations.Where(o => others.Contains(DeviceKey(o.Major, o.Minor))).GroupBy(o => o.Operation).OrderBy(g => g.Key))
        {
            slots.Clear();
            ulong sum = 0, calls = 0, errors = 0, bytes = 0;
            foreach (var o in group)
            {
                for (var i = 0; i < slots.Length; i++)
                    slots[i] += o.LatencyCumulative[i];
                sum += o.LatencyCumulative.Sum;
                (calls, errors, bytes) = (calls + o.CountersCumulative.Operations, errors + o.CountersCumulative.Errors, bytes + o.CountersCumulative.Bytes);
            }
            var histogram = new Log2Histogram(slots, sum, HistogramUnit.Microseconds);
            var counters = new FsCounters(calls, errors, bytes);
            kept.Add(new FsOperationLatency
            {
                Major = 0,
                Minor = 0,
                Mount = _other,
                Operation = group.Key,
                Latency = histogram,
                LatencyCumulative = histogram,
                Counters = counters,
                CountersCumulative = counters,
            });
        }
        operations = kept;
        return others;
    }

    private static bool IsNfs(string type) => type is "nfs" or "nfs4";

    private Label[] Labels(FileSystemMount? mount, uint major, uint minor, FsOperation operation) =>
    [
        new("fstype", mount?.Type ?? _type),
        new("device", mount?.Source ?? string.Create(CultureInfo.InvariantCulture, $"{major}:{minor}")),
        new("mountpoint", mount?.MountPoint ?? ""),
        new("operation", OperationName(operation)),
    ];

    private void OnSlow(SlowFsOperationEvent e)
    {
        var key = (e.Major, e.Minor, e.Operation);
        lock (_gate)
            _slowCounts[key] = _slowCounts.GetValueOrDefault(key) + 1;
    }
}
