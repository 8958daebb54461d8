namespace XMonitor.Bpf.Prometheus.Tests;

/// <summary>One family of each type, as a probe adapter would declare them.</summary>
internal static class SampleFamilies
{
    public static readonly MetricFamily Hits = new("xmonitor_sample_hits", MetricType.Counter, "Page cache hits.", ["comm"]);
    public static readonly MetricFamily Ratio = new("xmonitor_sample_hit_ratio", MetricType.Gauge, "Hit ratio \\ of \"all\" accesses.", [], "ratio");
    public static readonly MetricFamily Latency = new("xmonitor_sample_latency_seconds", MetricType.Histogram, "Latency.", ["cpu"], "seconds");
    public static readonly MetricFamily Build = new("xmonitor_sample_build", MetricType.Info, "Build of the sample.", ["version"]);

    public static readonly MetricFamily[] All = [Hits, Ratio, Latency, Build];

    /// <summary>Writes a fixed sample set: escaping in a label value, three buckets, an info series.</summary>
    public static void Write(MetricWriter w)
    {
        w.Counter(Hits, [new("comm", "a\\b\"c\nd")], 42, new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        w.Counter(Hits, [new("comm", "bash")], 7);
        w.Gauge(Ratio, [], 0.75);
        w.Histogram(Latency, [new("cpu", "0")], [new(0.001, 3), new(0.002, 5), new(0.004, 5)], 0.0125, 6);
        w.Info(Build, [new("version", "1.2.3")]);
    }

    public static FakeCollector Collector(string name = "Sample") => new(name, All, (w, _) => Write(w));
}
