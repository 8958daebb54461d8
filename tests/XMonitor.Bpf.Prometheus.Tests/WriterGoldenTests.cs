namespace XMonitor.Bpf.Prometheus.Tests;

public sealed class WriterGoldenTests
{
    private static string Write(ExpositionFormat format)
    {
        using var buffer = new MetricBuffer();
        var writer = new TextMetricWriter(buffer, format, includeLegacyNames: false);
        SampleFamilies.Write(writer);
        writer.WriteEof();
        return buffer.ToString();
    }

    [Fact]
    public void Text004_matches_golden_output()
    {
        const string expected = """
            # HELP xmonitor_sample_hits_total Page cache hits.
            # TYPE xmonitor_sample_hits_total counter
            xmonitor_sample_hits_total{comm="a\\b\"c\nd"} 42
            xmonitor_sample_hits_total{comm="bash"} 7
            # HELP xmonitor_sample_hit_ratio Hit ratio \\ of "all" accesses.
            # TYPE xmonitor_sample_hit_ratio gauge
            xmonitor_sample_hit_ratio 0.75
            # HELP xmonitor_sample_latency_seconds Latency.
            # TYPE xmonitor_sample_latency_seconds histogram
            xmonitor_sample_latency_seconds_bucket{cpu="0",le="0.001"} 3
            xmonitor_sample_latency_seconds_bucket{cpu="0",le="0.002"} 5
            xmonitor_sample_latency_seconds_bucket{cpu="0",le="0.004"} 5
            xmonitor_sample_latency_seconds_bucket{cpu="0",le="+Inf"} 6
            xmonitor_sample_latency_seconds_sum{cpu="0"} 0.0125
            xmonitor_sample_latency_seconds_count{cpu="0"} 6
            # HELP xmonitor_sample_build_info Build of the sample.
            # TYPE xmonitor_sample_build_info gauge
            xmonitor_sample_build_info{version="1.2.3"} 1

            """;
        Assert.Equal(expected, Write(ExpositionFormat.PrometheusText));
    }

    [Fact]
    public void OpenMetrics_matches_golden_output()
    {
        const string expected = """
            # HELP xmonitor_sample_hits Page cache hits.
            # TYPE xmonitor_sample_hits counter
            xmonitor_sample_hits_total{comm="a\\b\"c\nd"} 42
            xmonitor_sample_hits_created{comm="a\\b\"c\nd"} 1767225600
            xmonitor_sample_hits_total{comm="bash"} 7
            # HELP xmonitor_sample_hit_ratio Hit ratio \\ of \"all\" accesses.
            # TYPE xmonitor_sample_hit_ratio gauge
            # UNIT xmonitor_sample_hit_ratio ratio
            xmonitor_sample_hit_ratio 0.75
            # HELP xmonitor_sample_latency_seconds Latency.
            # TYPE xmonitor_sample_latency_seconds histogram
            # UNIT xmonitor_sample_latency_seconds seconds
            xmonitor_sample_latency_seconds_bucket{cpu="0",le="0.001"} 3
            xmonitor_sample_latency_seconds_bucket{cpu="0",le="0.002"} 5
            xmonitor_sample_latency_seconds_bucket{cpu="0",le="0.004"} 5
            xmonitor_sample_latency_seconds_bucket{cpu="0",le="+Inf"} 6
            xmonitor_sample_latency_seconds_sum{cpu="0"} 0.0125
            xmonitor_sample_latency_seconds_count{cpu="0"} 6
            # HELP xmonitor_sample_build Build of the sample.
            # TYPE xmonitor_sample_build info
            xmonitor_sample_build_info{version="1.2.3"} 1
            # EOF

            """;
        Assert.Equal(expected, Write(ExpositionFormat.OpenMetrics));
    }

    [Fact]
    public void Constant_labels_follow_the_sample_labels()
    {
        using var buffer = new MetricBuffer();
        var writer = new TextMetricWriter(buffer, ExpositionFormat.PrometheusText, includeLegacyNames: true);
        writer.Gauge(LegacyMetrics.BioRequestSequentialRatio, [new("device", "sda"), new("operation", "read")], 0.5);
        Assert.Contains("bio_request_sequential_ratio{device=\"sda\",operation=\"read\",from=\"xm_ebpf\"} 0.5\n", buffer.ToString());
    }

    [Theory]
    [InlineData(double.PositiveInfinity, "+Inf")]
    [InlineData(double.NegativeInfinity, "-Inf")]
    [InlineData(double.NaN, "NaN")]
    [InlineData(1e-6, "1E-06")]
    [InlineData(123456789012.0, "123456789012")]
    [InlineData(-0.5, "-0.5")]
    public void Doubles_are_written_as_Prometheus_parses_them(double value, string text)
    {
        Span<byte> span = stackalloc byte[40];
        var n = TextMetricWriter.FormatDouble(value, span);
        Assert.Equal(text, System.Text.Encoding.ASCII.GetString(span[..n]));
    }

    [Fact]
    public void Wrong_labels_types_and_interleaving_are_rejected()
    {
        using var buffer = new MetricBuffer();
        var w = new TextMetricWriter(buffer, ExpositionFormat.PrometheusText, includeLegacyNames: false);
        Assert.Throws<ArgumentException>(() => w.Gauge(SampleFamilies.Hits, [new("comm", "x")], 1));
        Assert.Throws<ArgumentException>(() => w.Counter(SampleFamilies.Hits, [new("pid", "1")], 1));
        Assert.Throws<ArgumentException>(() => w.Counter(SampleFamilies.Hits, [], 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => w.Counter(SampleFamilies.Hits, [new("comm", "x")], -1));
        Assert.Throws<ArgumentException>(() => w.Histogram(SampleFamilies.Latency, [new("cpu", "0")], [new(0.002, 1), new(0.001, 2)], 0, 2));
        Assert.Throws<ArgumentException>(() => w.Histogram(SampleFamilies.Latency, [new("cpu", "0")], [new(0.001, 3), new(0.002, 2)], 0, 3));
        Assert.Throws<ArgumentException>(() => w.Histogram(SampleFamilies.Latency, [new("cpu", "0")], [new(0.001, 3)], 0, 2));
        w.Counter(SampleFamilies.Hits, [new("comm", "x")], 1);
        w.Gauge(SampleFamilies.Ratio, [], 1);
        Assert.Throws<InvalidOperationException>(() => w.Counter(SampleFamilies.Hits, [new("comm", "y")], 1));
    }
}
