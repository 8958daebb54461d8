using System.Diagnostics.Metrics;
using System.Globalization;

namespace XMonitor.Bpf.Prometheus.Tests;

public sealed class MeterListenerTests
{
    private static readonly MetricFamily Hits = new("xmonitor_metertest_hits", MetricType.Counter, "Hits.", ["comm"]);
    private static readonly MetricFamily Resident = new("xmonitor_metertest_resident_bytes", MetricType.Gauge, "Resident bytes.", [], "bytes");
    private static readonly MetricFamily Latency = new("xmonitor_metertest_latency_seconds", MetricType.Histogram, "Latency.", [], "seconds");

    [Fact]
    public void A_MeterListener_sees_the_values_the_scrape_shows_for_the_same_reading()
    {
        var reading = 0;
        var collector = new FakeCollector("MeterTest", [Hits, Resident, Latency], (w, _) =>
        {
            // Every reading differs, so equal values prove both views come from one reading.
            var n = Interlocked.Increment(ref reading);
            w.Counter(Hits, [new("comm", "bash")], 100 * n);
            w.Counter(Hits, [new("comm", "sshd")], 10 * n);
            w.Gauge(Resident, [], 4096 * n);
            w.Histogram(Latency, [], [new(1, (ulong)n)], n, (ulong)n);
        });
        using var registry = new XMonitorMetricsRegistry(new XMonitorMetricsOptions { MeterSnapshotMaxAge = TimeSpan.FromMinutes(1) });
        registry.Add(collector);

        var seen = new Dictionary<string, double>();
        var instruments = new List<Instrument>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == "XMonitor.Bpf.MeterTest")
            {
                instruments.Add(instrument);
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) =>
        {
            var key = instrument.Name + string.Concat(tags.ToArray().Select(t => $"{{{t.Key}={t.Value}}}"));
            seen[key] = value;
        });
        listener.Start();
        listener.RecordObservableInstruments();

        Assert.Equal(1, collector.Collections);
        Assert.Equal(["xmonitor_metertest_hits", "xmonitor_metertest_resident_bytes"], instruments.Select(i => i.Name).Order());
        Assert.Equal("By", instruments.Single(i => i.Name == "xmonitor_metertest_resident_bytes").Unit);
        Assert.Equal("Hits.", instruments.Single(i => i.Name == "xmonitor_metertest_hits").Description);

        // The reading the listener took is the one a scrape at the same moment shows: run the
        // collector's reading through the text writer and compare value by value.
        using var buffer = new MetricBuffer();
        var text = new TextMetricWriter(buffer, ExpositionFormat.PrometheusText, false);
        var n = reading;
        text.Counter(Hits, [new("comm", "bash")], 100 * n);
        text.Counter(Hits, [new("comm", "sshd")], 10 * n);
        text.Gauge(Resident, [], 4096 * n);
        var scrape = buffer.ToString();
        Assert.Equal(Value(scrape, "xmonitor_metertest_hits_total{comm=\"bash\"}"), seen["xmonitor_metertest_hits{comm=bash}"]);
        Assert.Equal(Value(scrape, "xmonitor_metertest_hits_total{comm=\"sshd\"}"), seen["xmonitor_metertest_hits{comm=sshd}"]);
        Assert.Equal(Value(scrape, "xmonitor_metertest_resident_bytes"), seen["xmonitor_metertest_resident_bytes"]);
    }

    [Fact]
    public void Meter_and_scrape_of_the_same_moment_agree_on_a_live_registry()
    {
        var value = 1.0;
        var collector = new FakeCollector("Live", [Resident], (w, _) => w.Gauge(Resident, [], value));
        using var registry = new XMonitorMetricsRegistry(new XMonitorMetricsOptions { MeterSnapshotMaxAge = TimeSpan.Zero });
        registry.Add(collector);
        double observed = double.NaN;
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == "XMonitor.Bpf.Live")
                l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<double>((_, v, _, _) => observed = v);
        listener.Start();
        foreach (var v in new[] { 3.5, 7.25, 1e9 })
        {
            value = v;
            listener.RecordObservableInstruments();
            var scraped = Value(registry.ScrapeToString(ExpositionFormat.PrometheusText), "xmonitor_metertest_resident_bytes");
            Assert.Equal(scraped, observed);
        }
    }

    [Fact]
    public void Removing_the_collector_disposes_its_meter()
    {
        using var registry = new XMonitorMetricsRegistry();
        var handle = registry.Add(new FakeCollector("Gone", [Resident], (w, _) => w.Gauge(Resident, [], 1)));
        var published = 0;
        var completed = 0;
        using var listener = new MeterListener
        {
            InstrumentPublished = (i, l) =>
            {
                if (i.Meter.Name == "XMonitor.Bpf.Gone")
                {
                    published++;
                    l.EnableMeasurementEvents(i);
                }
            },
            MeasurementsCompleted = (i, _) =>
            {
                if (i.Meter.Name == "XMonitor.Bpf.Gone")
                    completed++;
            },
        };
        listener.Start();
        handle.Dispose();
        Assert.Equal(1, published);
        Assert.Equal(1, completed);
    }

    private static double Value(string scrape, string series)
    {
        var line = scrape.Split('\n').Single(l => l.StartsWith(series + " ", StringComparison.Ordinal));
        return double.Parse(line[(series.Length + 1)..], CultureInfo.InvariantCulture);
    }
}
