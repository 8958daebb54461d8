namespace XMonitor.Bpf.Prometheus.Tests;

public sealed class PromtoolTests
{
    [Fact]
    public async Task Promtool_finds_no_problem_in_a_real_scrape()
    {
        var promtool = Tool.Require("/usr/bin/promtool");
        using var registry = new XMonitorMetricsRegistry(new XMonitorMetricsOptions { Port = 0, LegacyNames = true });
        registry.Add(SampleFamilies.Collector());
        registry.Add(new FakeCollector("Histograms", [FakeLatencyCollector.Family], (w, _) =>
            Log2HistogramLayout.Microseconds.Write(w, FakeLatencyCollector.Family, [new("cpu", "1")], [1, 2, 3, 0, 5], 120)));
        registry.Add(new FakeCollector("Broken", [], (_, _) => throw new InvalidOperationException("down on purpose")));
        await using var listener = await XMonitorMetricsListener.StartAsync(registry, TestContext.Current.CancellationToken);
        using var http = new HttpClient();
        var scrape = await http.GetStringAsync(listener.Url, TestContext.Current.CancellationToken);
        Assert.Contains("# TYPE xmonitor_sample_hits_total counter", scrape);
        Assert.Contains("# TYPE xmonitor_sample_latency_seconds histogram", scrape);
        Assert.Contains("# TYPE xmonitor_sample_build_info gauge", scrape);
        Assert.Contains("# TYPE xmonitor_sample_hit_ratio gauge", scrape);

        var (exitCode, output) = Tool.Run(promtool, "check metrics", scrape);

        TestContext.Current.TestOutputHelper?.WriteLine($"promtool check metrics: exit {exitCode}, output: '{output}'");
        Assert.Equal(0, exitCode);
        Assert.Equal("", output.Trim());
    }
}
