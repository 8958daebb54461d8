namespace XMonitor.Bpf.Prometheus.Tests;

public sealed class PrometheusEndToEndTests
{
    [Fact]
    public async Task A_real_Prometheus_computes_the_known_quantile_of_a_kernel_style_histogram()
    {
        var binary = Tool.Require("/usr/bin/prometheus");
        var ct = TestContext.Current.CancellationToken;
        using var registry = new XMonitorMetricsRegistry(new XMonitorMetricsOptions { Port = 0 });
        registry.Add(new FakeLatencyCollector());
        await using var listener = await XMonitorMetricsListener.StartAsync(registry, ct);
        using var prometheus = await PrometheusServer.StartAsync(binary, $"127.0.0.1:{listener.Url.Port}", ct);

        // Each scrape adds 10% of values in [8, 16) us, 80% in [32, 64) us, 10% in [512, 1024) us:
        // the median interpolates inside (32 us, 64 us] at (0.5 - 0.1) / 0.8 of the way, 48 us.
        var median = await prometheus.WaitForScalarAsync(
            "histogram_quantile(0.5, sum by (le) (rate(xmonitor_fake_latency_seconds_bucket[5s])))", ct);
        Assert.Equal(48e-6, median, 1e-12);
        var p95 = await prometheus.WaitForScalarAsync(
            "histogram_quantile(0.95, sum by (le) (rate(xmonitor_fake_latency_seconds_bucket[5s])))", ct);
        Assert.Equal(512e-6 + 512e-6 * 0.5, p95, 1e-12);
        var mean = await prometheus.WaitForScalarAsync(
            "rate(xmonitor_fake_latency_seconds_sum[5s]) / rate(xmonitor_fake_latency_seconds_count[5s])", ct);
        Assert.Equal((10 * 12 + 80 * 48 + 10 * 768) / 100.0 * 1e-6, mean, 1e-12);

        Assert.Equal(0.875, await prometheus.WaitForScalarAsync("xmonitor_fake_hit_ratio", ct));
        Assert.Equal(1, await prometheus.WaitForScalarAsync("xmonitor_probe_up{probe=\"FakeLatency\"}", ct));
        Assert.Equal(1, await prometheus.WaitForScalarAsync("up{job=\"xmonitor\"}", ct));
        var target = await prometheus.TargetAsync(ct);
        Assert.Equal("up", target.GetProperty("health").GetString());
        Assert.Equal("", target.GetProperty("lastError").GetString());

        // Only OpenMetrics carries # UNIT: Prometheus knowing the unit shows it negotiated OpenMetrics.
        var metadata = await prometheus.MetadataAsync("xmonitor_fake_latency_seconds", ct);
        Assert.Equal("histogram", metadata.GetProperty("type").GetString());
        Assert.Equal("seconds", metadata.GetProperty("unit").GetString());
    }
}
