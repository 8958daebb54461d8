namespace XMonitor.Bpf.Prometheus.Tests;

public sealed class NamingTests
{
    [Theory]
    [InlineData("cachestat_hits", MetricType.Counter, null, "prefix")]
    [InlineData("xmonitor_cachestat_hits_total", MetricType.Counter, null, "_total")]
    [InlineData("xmonitor_runq_latency_microseconds", MetricType.Histogram, null, "base unit")]
    [InlineData("xmonitor_runq_latency_seconds", MetricType.Histogram, "milliseconds", "base unit")]
    [InlineData("xmonitor_runq_latency", MetricType.Histogram, "seconds", "does not end with its unit")]
    [InlineData("xmonitor_build_info", MetricType.Info, null, "_info")]
    [InlineData("xmonitor-hits", MetricType.Gauge, null, "valid metric name")]
    [InlineData("xmonitor:hits", MetricType.Gauge, null, "valid metric name")]
    [InlineData("1xmonitor", MetricType.Gauge, null, "valid metric name")]
    [InlineData("xmonitor_", MetricType.Gauge, null, "only the prefix")]
    [InlineData("xmonitor_io_count", MetricType.Gauge, null, "_count")]
    public void Bad_names_are_rejected_with_the_rule(string name, MetricType type, string? unit, string reason)
    {
        var e = Assert.Throws<ArgumentException>(() => new MetricFamily(name, type, "help", [], unit));
        Assert.Contains(reason, e.Message);
    }

    [Theory]
    [InlineData("__name")]
    [InlineData("pod-uid")]
    [InlineData("")]
    public void Bad_label_names_are_rejected(string label)
        => Assert.Throws<ArgumentException>(() => new MetricFamily("xmonitor_x", MetricType.Gauge, "help", [label]));

    [Fact]
    public void Histograms_cannot_have_le_and_labels_cannot_repeat()
    {
        Assert.Throws<ArgumentException>(() => new MetricFamily("xmonitor_x_seconds", MetricType.Histogram, "h", ["le"], "seconds"));
        Assert.Throws<ArgumentException>(() => new MetricFamily("xmonitor_x", MetricType.Gauge, "h", ["a", "a"]));
        Assert.Throws<ArgumentException>(() => new MetricFamily("xmonitor_x", MetricType.Gauge, "two\nlines"));
    }

    [Fact]
    public void Good_names_pass()
    {
        Assert.Null(MetricNames.Check("xmonitor_cpu_runqueue_latency_seconds", MetricType.Histogram, "seconds"));
        Assert.Null(MetricNames.Check("xmonitor_bio_request_bytes", MetricType.Counter, "bytes"));
        Assert.Null(MetricNames.Check("xmonitor_cachestat_hits", MetricType.Counter, null));
        Assert.True(MetricNames.IsValidLabelName("pod_uid"));
    }
}
