namespace XMonitor.Bpf.Prometheus.Tests;

public sealed class Log2HistogramLayoutTests
{
    private static readonly MetricFamily Latency = new("xmonitor_t_latency_seconds", MetricType.Histogram, "t", [], "seconds");

    [Fact]
    public void Microsecond_slots_become_cumulative_second_buckets_with_the_last_slot_in_Inf()
    {
        var layout = Log2HistogramLayout.Microseconds;
        Assert.Equal(31, layout.UpperBounds.Length);
        Assert.Equal(2e-6, layout.UpperBounds[0]);
        Assert.Equal(0.001024, layout.UpperBounds[9]);
        Assert.Equal(2147.483648, layout.UpperBounds[30]);

        var slots = new ulong[32];
        slots[0] = 1;   // 0..1 us
        slots[3] = 2;   // 8..15 us
        slots[31] = 4;  // 2^31 us and more
        using var buffer = new MetricBuffer();
        var writer = new TextMetricWriter(buffer, ExpositionFormat.PrometheusText, false);
        layout.Write(writer, Latency, [], slots, 1_000_000);
        var text = buffer.ToString();
        Assert.Contains("xmonitor_t_latency_seconds_bucket{le=\"2E-06\"} 1\n", text);
        Assert.Contains("xmonitor_t_latency_seconds_bucket{le=\"8E-06\"} 1\n", text);
        Assert.Contains("xmonitor_t_latency_seconds_bucket{le=\"1.6E-05\"} 3\n", text);
        Assert.Contains("xmonitor_t_latency_seconds_bucket{le=\"2147.483648\"} 3\n", text);
        Assert.Contains("xmonitor_t_latency_seconds_bucket{le=\"+Inf\"} 7\n", text);
        Assert.Contains("xmonitor_t_latency_seconds_sum 1\n", text);
        Assert.Contains("xmonitor_t_latency_seconds_count 7\n", text);
        Assert.Equal(33, text.Split('\n').Count(l => l.Contains("_bucket")) + 1);
    }

    [Fact]
    public void Fewer_slots_than_the_layout_count_as_zero()
    {
        using var buffer = new MetricBuffer();
        var writer = new TextMetricWriter(buffer, ExpositionFormat.PrometheusText, false);
        new Log2HistogramLayout(4, 1).Write(writer, Latency, [], [5, 1], 9);
        Assert.Equal("""
            # HELP xmonitor_t_latency_seconds t
            # TYPE xmonitor_t_latency_seconds histogram
            xmonitor_t_latency_seconds_bucket{le="2"} 5
            xmonitor_t_latency_seconds_bucket{le="4"} 6
            xmonitor_t_latency_seconds_bucket{le="8"} 6
            xmonitor_t_latency_seconds_bucket{le="+Inf"} 6
            xmonitor_t_latency_seconds_sum 9
            xmonitor_t_latency_seconds_count 6

            """, buffer.ToString());
    }

    [Fact]
    public void Too_many_slots_are_rejected()
    {
        using var buffer = new MetricBuffer();
        var writer = new TextMetricWriter(buffer, ExpositionFormat.PrometheusText, false);
        Assert.Throws<ArgumentException>(() => new Log2HistogramLayout(2, 1).Write(writer, Latency, [], [1, 2, 3], 0));
    }
}
