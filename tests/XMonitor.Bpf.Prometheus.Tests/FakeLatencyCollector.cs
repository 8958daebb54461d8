namespace XMonitor.Bpf.Prometheus.Tests;

/// <summary>
/// A stand-in for a latency probe: every collection adds a fixed distribution to log2 slots, as the
/// kernel would with a steady workload, so rates and quantiles over it are known in advance.
/// </summary>
internal sealed class FakeLatencyCollector : IBpfMetricsCollector
{
    public static readonly MetricFamily Family = new("xmonitor_fake_latency_seconds", MetricType.Histogram, "Latency of the fake workload.", ["cpu"], "seconds");
    public static readonly MetricFamily Ratio = new("xmonitor_fake_hit_ratio", MetricType.Gauge, "Hit ratio of the fake workload.", [], "ratio");

    // Per collection: 10 values in [8, 16) us, 80 in [32, 64) us, 10 in [512, 1024) us.
    private static readonly ulong[] Step = [0, 0, 0, 10, 0, 80, 0, 0, 0, 10];
    private readonly ulong[] _slots = new ulong[32];
    private ulong _sum;

    public string ProbeName => "FakeLatency";

    public IReadOnlyList<MetricFamily> Families { get; } = [Family, Ratio];

    public void Collect(MetricWriter writer, CancellationToken cancellationToken)
    {
        for (var i = 0; i < Step.Length; i++)
            _slots[i] += Step[i];
        _sum += 10 * 12 + 80 * 48 + 10 * 768;
        Log2HistogramLayout.Microseconds.Write(writer, Family, [new("cpu", "0")], _slots, _sum);
        writer.Gauge(Ratio, [], 0.875);
    }
}
