namespace XMonitor.Bpf.Prometheus.Benchmarks;

/// <summary>
/// A probe's worth of series without the kernel: per-process counters and gauges with labels made
/// once (as an adapter caches comm and pid strings), and log2 histograms of 32 slots as the maps
/// hold them. The collect cost measured is then the exporter's alone.
/// </summary>
internal sealed class SyntheticCollector : IBpfMetricsCollector
{
    private static readonly MetricFamily Events = new("xmonitor_bench_events", MetricType.Counter, "Events per process.", ["comm", "pid"]);
    private static readonly MetricFamily Resident = new("xmonitor_bench_resident_bytes", MetricType.Gauge, "Resident bytes per process.", ["comm", "pid"], "bytes");
    private static readonly MetricFamily Latency = new("xmonitor_bench_latency_seconds", MetricType.Histogram, "Latency per CPU.", ["cpu"], "seconds");

    private readonly (string Comm, string Pid, double Events, double Bytes)[] _processes;
    private readonly (string Cpu, ulong[] Slots, ulong Sum)[] _histograms;

    public SyntheticCollector(int series, int histograms)
    {
        // Half the series are counters, half gauges, one process each.
        _processes = Enumerable.Range(0, series / 2)
            .Select(i => ($"worker-{i % 97}", (1000 + i).ToString(System.Globalization.CultureInfo.InvariantCulture), i * 1234.0, i * 4096.0))
            .ToArray();
        var random = new Random(42);
        _histograms = Enumerable.Range(0, histograms)
            .Select(i => (i.ToString(System.Globalization.CultureInfo.InvariantCulture),
                Enumerable.Range(0, 32).Select(s => s < 20 ? (ulong)random.Next(0, 1_000_000) : 0UL).ToArray(),
                (ulong)random.NextInt64(0, long.MaxValue / 2)))
            .ToArray();
    }

    public string ProbeName => "Bench";

    public IReadOnlyList<MetricFamily> Families { get; } = [Events, Resident, Latency];

    public void Collect(MetricWriter writer, CancellationToken cancellationToken)
    {
        foreach (var p in _processes)
            writer.Counter(Events, [new("comm", p.Comm), new("pid", p.Pid)], p.Events);
        foreach (var p in _processes)
            writer.Gauge(Resident, [new("comm", p.Comm), new("pid", p.Pid)], p.Bytes);
        foreach (var h in _histograms)
            Log2HistogramLayout.Microseconds.Write(writer, Latency, [new("cpu", h.Cpu)], h.Slots, h.Sum);
    }
}
