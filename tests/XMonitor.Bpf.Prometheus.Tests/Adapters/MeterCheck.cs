using System.Diagnostics.Metrics;

namespace XMonitor.Bpf.Prometheus.Tests.Adapters;

/// <summary>Compares what a <see cref="MeterListener"/> sees of a probe's Meter with a scrape of the same moment.</summary>
internal static class MeterCheck
{
    /// <summary>
    /// Records the probe's observable instruments, scrapes, and asserts that every measurement is a
    /// sample of the scrape with the same value. The probe must be stopped (its values frozen).
    /// Returns how many measurements were compared.
    /// </summary>
    public static int AssertMeterMatchesScrape(XMonitorMetricsRegistry registry, string probeName)
    {
        var measurements = new List<(Instrument Instrument, double Value, KeyValuePair<string, object?>[] Tags)>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == "XMonitor.Bpf." + probeName)
                l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => measurements.Add((instrument, value, tags.ToArray())));
        listener.Start();
        listener.RecordObservableInstruments();
        var scrape = Scraped.Parse(registry.ScrapeToString(ExpositionFormat.PrometheusText));

        foreach (var (instrument, value, tags) in measurements)
        {
            var name = scrape.Types.GetValueOrDefault(instrument.Name) == "counter" || scrape.Types.GetValueOrDefault(instrument.Name + "_total") == "counter"
                ? instrument.Name + "_total"
                : instrument.Name;
            var labels = tags.Select(t => (t.Key, Convert.ToString(t.Value, System.Globalization.CultureInfo.InvariantCulture) ?? "")).ToArray();
            Assert.Equal(scrape.Value(name, labels), value);
        }
        return measurements.Count;
    }
}
