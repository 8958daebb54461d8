using System.Diagnostics.Metrics;

namespace XMonitor.Bpf.Prometheus;

/// <summary>
/// The writer a <c>Meter</c> reading uses: it keeps counter and gauge samples as measurements with
/// their labels as tags. Histograms and info series have no observable instrument and are skipped.
/// </summary>
internal sealed class MeasurementWriter : MetricWriter
{
    private readonly Dictionary<MetricFamily, List<Measurement<double>>> _measurements = new(ReferenceEqualityComparer.Instance);

    public IReadOnlyDictionary<MetricFamily, List<Measurement<double>>> Measurements => _measurements;

    private protected override void BeginFamily(MetricFamily family)
    {
    }

    private protected override void WriteCounter(MetricFamily family, ReadOnlySpan<Label> labels, double value, DateTimeOffset? created) => Add(family, labels, value);

    private protected override void WriteGauge(MetricFamily family, ReadOnlySpan<Label> labels, double value) => Add(family, labels, value);

    private protected override void WriteInfo(MetricFamily family, ReadOnlySpan<Label> labels)
    {
    }

    private protected override void WriteHistogram(MetricFamily family, ReadOnlySpan<Label> labels, ReadOnlySpan<CumulativeBucket> buckets, double sum, ulong count, DateTimeOffset? created, byte[][]? boundsUtf8)
    {
    }

    private void Add(MetricFamily family, ReadOnlySpan<Label> labels, double value)
    {
        if (family.IsLegacy)
            return;
        if (!_measurements.TryGetValue(family, out var list))
            _measurements[family] = list = [];
        var tags = new KeyValuePair<string, object?>[labels.Length];
        for (var i = 0; i < labels.Length; i++)
            tags[i] = new(labels[i].Name, labels[i].Value);
        list.Add(new Measurement<double>(value, tags));
    }
}
