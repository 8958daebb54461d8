namespace XMonitor.Bpf.Prometheus.Tests;

public sealed class ConcurrencyTests
{
    [Fact]
    public async Task Parallel_scrapes_while_collectors_come_and_go_stay_well_formed()
    {
        using var registry = new XMonitorMetricsRegistry();
        var stable = SampleFamilies.Collector("Stable");
        registry.Add(stable);
        using var stop = new CancellationTokenSource();
        var errors = new System.Collections.Concurrent.ConcurrentQueue<string>();

        // Dedicated threads: pool tasks could start only after the others finished, and then nothing would overlap.
        var churn = Task.Factory.StartNew(() =>
        {
            var n = 0;
            while (!stop.IsCancellationRequested)
            {
                var family = new MetricFamily($"xmonitor_churn{n % 4}_events", MetricType.Counter, "Churn.");
                using (registry.Add(new FakeCollector($"Churn{n % 4}", [family], (w, _) => w.Counter(family, [], 1))))
                    Thread.Yield();
                n++;
            }
            return n;
        }, TestContext.Current.CancellationToken, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        var scrapers = Enumerable.Range(0, 8).Select(i => Task.Factory.StartNew(() =>
        {
            var format = i % 2 == 0 ? ExpositionFormat.PrometheusText : ExpositionFormat.OpenMetrics;
            var scrapes = 0;
            for (; scrapes < 300; scrapes++)
            {
                var text = registry.ScrapeToString(format);
                if (!text.Contains("xmonitor_sample_hits_total{comm=\"bash\"} 7\n") || !text.Contains("xmonitor_probe_up{probe=\"Stable\"} 1\n"))
                    errors.Enqueue("stable probe missing");
                if (ProbeDown(text))
                    errors.Enqueue("a churning probe was reported down");
                var headers = text.Split('\n').Where(l => l.StartsWith("# TYPE ", StringComparison.Ordinal)).ToList();
                if (headers.Count != headers.Distinct().Count())
                    errors.Enqueue("a family appeared twice");
                if (format == ExpositionFormat.OpenMetrics && !text.EndsWith("# EOF\n", StringComparison.Ordinal))
                    errors.Enqueue("missing EOF");
            }
            return scrapes;
        }, TestContext.Current.CancellationToken, TaskCreationOptions.LongRunning, TaskScheduler.Default)).ToArray();

        var counts = await Task.WhenAll(scrapers);
        stop.Cancel();
        var churned = await churn;
        Assert.Empty(errors);
        Assert.All(counts, c => Assert.Equal(300, c));
        Assert.True(churned > 10, $"collectors were added and removed only {churned} times");
    }

    private static bool ProbeDown(string text)
        => text.Split('\n').Any(l => l.StartsWith("xmonitor_probe_up{probe=\"Churn", StringComparison.Ordinal) && l.EndsWith(" 0", StringComparison.Ordinal));
}
