namespace XMonitor.Bpf.Prometheus.Tests;

/// <summary>
/// What a probe adapter looks like: it hands over its programs and links, and at scrape time reads
/// the kernel's histogram map (through the generated skeleton) and writes it as a Prometheus
/// histogram, nothing replayed.
/// </summary>
internal sealed class MapHistogramCollector(LatencySkeleton skeleton, IReadOnlyList<BpfLink> links) : IBpfMetricsCollector
{
    public static readonly MetricFamily Latency = new("xmonitor_maptest_latency_seconds", MetricType.Histogram, "Latency recorded by the test program.", [], "seconds");

    public string ProbeName => "MapTest";

    public IReadOnlyList<MetricFamily> Families { get; } = [Latency];

    public IEnumerable<BpfProgram> Programs => skeleton.Object.Programs;

    public IEnumerable<BpfLink> Links => links;

    public void Collect(MetricWriter writer, CancellationToken cancellationToken)
    {
        skeleton.HistMap.TryLookup(0, out var h);
        Log2HistogramLayout.Microseconds.Write(writer, Latency, [], h.Slots, h.Sum);
    }
}
