namespace XMonitor.Bpf.Prometheus;

/// <summary>
/// What a collector writes its samples to during a scrape (or a <c>MeterListener</c> collection).
/// Samples of one family must be written together; every family must be one the collector
/// declared in <see cref="IBpfMetricsCollector.Families"/>, and each sample gives exactly the
/// family's <see cref="MetricFamily.LabelNames"/>, in order. A breach throws
/// <see cref="InvalidOperationException"/> or <see cref="ArgumentException"/>, which fails only that collector.
/// </summary>
public abstract class MetricWriter
{
    private readonly HashSet<MetricFamily> _finished = new(ReferenceEqualityComparer.Instance);
    private readonly List<MetricFamily> _startedByCollector = [];
    private IReadOnlySet<MetricFamily>? _declared;
    private MetricFamily? _current;

    private protected MetricWriter()
    {
    }

    /// <summary>
    /// True when the host asked for the seed service's names too (<see cref="XMonitorMetricsOptions.LegacyNames"/>):
    /// adapters then also write their <see cref="LegacyMetrics"/> families.
    /// </summary>
    public bool IncludeLegacyNames { get; private protected set; }

    /// <summary>Writes one sample of a counter family (exported as <c>NAME_total</c>).</summary>
    /// <param name="family">A declared family of type <see cref="MetricType.Counter"/>.</param>
    /// <param name="labels">Its label values, one per <see cref="MetricFamily.LabelNames"/>, in order.</param>
    /// <param name="value">The count since the counter started; never negative.</param>
    /// <param name="created">When the counter started (OpenMetrics <c>_created</c>), or null.</param>
    public void Counter(MetricFamily family, ReadOnlySpan<Label> labels, double value, DateTimeOffset? created = null)
    {
        Check(family, MetricType.Counter, labels);
        if (double.IsNaN(value) || value < 0)
            throw new ArgumentOutOfRangeException(nameof(value), value, $"counter '{family.Name}' cannot be negative or NaN");
        Enter(family);
        WriteCounter(family, labels, value, created);
    }

    /// <summary>Writes one sample of a gauge family.</summary>
    /// <param name="family">A declared family of type <see cref="MetricType.Gauge"/>.</param>
    /// <param name="labels">Its label values, one per <see cref="MetricFamily.LabelNames"/>, in order.</param>
    /// <param name="value">The current value.</param>
    public void Gauge(MetricFamily family, ReadOnlySpan<Label> labels, double value)
    {
        Check(family, MetricType.Gauge, labels);
        Enter(family);
        WriteGauge(family, labels, value);
    }

    /// <summary>Writes one info sample (value 1; the labels are the information).</summary>
    /// <param name="family">A declared family of type <see cref="MetricType.Info"/>.</param>
    /// <param name="labels">Its label values, one per <see cref="MetricFamily.LabelNames"/>, in order.</param>
    public void Info(MetricFamily family, ReadOnlySpan<Label> labels)
    {
        Check(family, MetricType.Info, labels);
        Enter(family);
        WriteInfo(family, labels);
    }

    /// <summary>
    /// Writes one histogram sample from buckets that are already cumulative, as the kernel's
    /// aggregate yields them: nothing is observed or replayed, the counts are written as given.
    /// </summary>
    /// <param name="family">A declared family of type <see cref="MetricType.Histogram"/>.</param>
    /// <param name="labels">Its label values, one per <see cref="MetricFamily.LabelNames"/>, in order.</param>
    /// <param name="buckets">The finite buckets, upper bounds strictly increasing, counts never decreasing; the writer adds <c>le="+Inf"</c> with <paramref name="count"/>.</param>
    /// <param name="sum">The sum of every counted value, in the family's unit.</param>
    /// <param name="count">The number of counted values; at least the last bucket's count.</param>
    /// <param name="created">When the histogram started (OpenMetrics <c>_created</c>), or null.</param>
    public void Histogram(MetricFamily family, ReadOnlySpan<Label> labels, ReadOnlySpan<CumulativeBucket> buckets, double sum, ulong count, DateTimeOffset? created = null)
        => Histogram(family, labels, buckets, sum, count, created, boundsUtf8: null);

    // boundsUtf8: the bounds already formatted, one per bucket (a layout's cache), or null.
    internal void Histogram(MetricFamily family, ReadOnlySpan<Label> labels, ReadOnlySpan<CumulativeBucket> buckets, double sum, ulong count, DateTimeOffset? created, byte[][]? boundsUtf8)
    {
        Check(family, MetricType.Histogram, labels);
        var previousBound = double.NegativeInfinity;
        ulong previousCount = 0;
        foreach (var bucket in buckets)
        {
            if (!double.IsFinite(bucket.UpperBound) || bucket.UpperBound <= previousBound)
                throw new ArgumentException($"histogram '{family.Name}': bucket bounds must be finite and strictly increasing ({bucket.UpperBound} after {previousBound})", nameof(buckets));
            if (bucket.CumulativeCount < previousCount)
                throw new ArgumentException($"histogram '{family.Name}': bucket counts must be cumulative ({bucket.CumulativeCount} after {previousCount})", nameof(buckets));
            previousBound = bucket.UpperBound;
            previousCount = bucket.CumulativeCount;
        }
        if (count < previousCount)
            throw new ArgumentException($"histogram '{family.Name}': count {count} is less than the last bucket's {previousCount}", nameof(count));
        Enter(family);
        WriteHistogram(family, labels, buckets, sum, count, created, boundsUtf8);
    }

    internal void Restrict(IReadOnlySet<MetricFamily> declared) => _declared = declared;

    /// <summary>Closes the current family; the writer can then be reused for another collector.</summary>
    internal void EndCollector()
    {
        if (_current is not null)
            _finished.Add(_current);
        _current = null;
        _declared = null;
        _startedByCollector.Clear();
    }

    /// <summary>Forgets the families of a collector that failed, whose output the registry discards.</summary>
    internal void RollbackCollector()
    {
        foreach (var family in _startedByCollector)
            _finished.Remove(family);
        _startedByCollector.Clear();
        _current = null;
        _declared = null;
    }

    /// <summary>Forgets everything: for the next scrape.</summary>
    internal void ResetFamilies()
    {
        _finished.Clear();
        _startedByCollector.Clear();
        _current = null;
        _declared = null;
    }

    private protected abstract void BeginFamily(MetricFamily family);

    private protected abstract void WriteCounter(MetricFamily family, ReadOnlySpan<Label> labels, double value, DateTimeOffset? created);

    private protected abstract void WriteGauge(MetricFamily family, ReadOnlySpan<Label> labels, double value);

    private protected abstract void WriteInfo(MetricFamily family, ReadOnlySpan<Label> labels);

    private protected abstract void WriteHistogram(MetricFamily family, ReadOnlySpan<Label> labels, ReadOnlySpan<CumulativeBucket> buckets, double sum, ulong count, DateTimeOffset? created, byte[][]? boundsUtf8);

    private void Check(MetricFamily family, MetricType type, ReadOnlySpan<Label> labels)
    {
        ArgumentNullException.ThrowIfNull(family);
        if (family.Type != type)
            throw new ArgumentException($"'{family.Name}' is a {family.Type} family, not a {type}", nameof(family));
        var names = family.LabelNames;
        if (labels.Length != names.Count)
            throw new ArgumentException($"'{family.Name}' takes {names.Count} labels ({string.Join(", ", names)}), not {labels.Length}", nameof(labels));
        for (var i = 0; i < labels.Length; i++)
        {
            var given = labels[i].Name;
            if (!ReferenceEquals(given, names[i]) && !string.Equals(given, names[i], StringComparison.Ordinal))
                throw new ArgumentException($"label {i} of '{family.Name}' is '{names[i]}', not '{given}'", nameof(labels));
            if (labels[i].Value is null)
                throw new ArgumentException($"label '{given}' of '{family.Name}' has no value", nameof(labels));
        }
    }

    // Starts the family's block unless it is the current one; only after the sample was found valid,
    // so a rejected sample leaves the writer as it was.
    private void Enter(MetricFamily family)
    {
        if (ReferenceEquals(family, _current))
            return;
        if (_declared is not null && !_declared.Contains(family))
            throw new InvalidOperationException($"family '{family.Name}' is not among the collector's declared Families");
        if (_finished.Contains(family))
            throw new InvalidOperationException($"family '{family.Name}' was already written in this scrape: write each family's samples together, and each family from one collector only");
        foreach (var finished in _finished)
        {
            if (finished.Name == family.Name)
                throw new InvalidOperationException($"two families named '{family.Name}' in one scrape");
        }
        if (_current is not null)
            _finished.Add(_current);
        _current = family;
        _startedByCollector.Add(family);
        BeginFamily(family);
    }
}
