namespace XMonitor.Bpf.Prometheus;

/// <summary>
/// The Prometheus buckets of a kernel log2 histogram (<c>struct xm_hist</c>, BCC's layout): slot 0
/// counts the values 0 and 1, slot i the values in [2^i, 2^(i+1)), the last slot every larger value
/// too. The kernel truncates to its unit before bucketing, so every value of slot i was below
/// 2^(i+1) units: that is the slot's <c>le</c>, converted to the base unit; the last slot goes to
/// <c>+Inf</c>. Bounds are computed once per layout, so a scrape only adds up the slots.
/// </summary>
public sealed class Log2HistogramLayout
{
    private readonly double[] _upperBounds;
    private readonly byte[][] _upperBoundsUtf8;

    /// <summary>Creates the layout of a histogram of <paramref name="slotCount"/> slots whose values are in units of 1/<paramref name="unitsPerBaseUnit"/> of the base unit.</summary>
    /// <param name="slotCount">The kernel's slot count (<c>XM_MAX_SLOTS</c>, 32 for the probes), 1 to 64.</param>
    /// <param name="unitsPerBaseUnit">How many kernel units make one base unit: 1e6 for microseconds to seconds, 1e9 for nanoseconds, 1 for bytes; 1/1024 for KiB to bytes.</param>
    /// <exception cref="ArgumentOutOfRangeException">A count or factor out of range.</exception>
    public Log2HistogramLayout(int slotCount, double unitsPerBaseUnit)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(slotCount, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(slotCount, 64);
        if (!double.IsFinite(unitsPerBaseUnit) || unitsPerBaseUnit <= 0)
            throw new ArgumentOutOfRangeException(nameof(unitsPerBaseUnit), unitsPerBaseUnit, "must be a positive finite factor");
        SlotCount = slotCount;
        UnitsPerBaseUnit = unitsPerBaseUnit;
        _upperBounds = new double[slotCount - 1];
        for (var i = 0; i < _upperBounds.Length; i++)
        {
            // One division of exact values: the bound is the double nearest to 2^(i+1)/factor, so
            // it prints as the short decimal (0.001024, not 0.0010240000000000002).
            _upperBounds[i] = Math.ScaleB(1, i + 1) / unitsPerBaseUnit;
        }
        // Formatted once: a scrape of many histograms would otherwise format the same 31 doubles each time.
        Span<byte> text = stackalloc byte[32];
        _upperBoundsUtf8 = new byte[_upperBounds.Length][];
        for (var i = 0; i < _upperBounds.Length; i++)
            _upperBoundsUtf8[i] = text[..TextMetricWriter.FormatDouble(_upperBounds[i], text)].ToArray();
    }

    /// <summary>Microsecond histograms exported in seconds (run-queue latency, block I/O, NFS).</summary>
    public static Log2HistogramLayout Microseconds { get; } = new(32, 1e6);

    /// <summary>Nanosecond histograms exported in seconds.</summary>
    public static Log2HistogramLayout Nanoseconds { get; } = new(32, 1e9);

    /// <summary>Byte-size histograms exported in bytes.</summary>
    public static Log2HistogramLayout Bytes { get; } = new(32, 1);

    /// <summary>Plain counts (packets per poll) exported as counts.</summary>
    internal static Log2HistogramLayout Counts { get; } = new(32, 1);

    /// <summary>The layout of a probe's latency histogram in <paramref name="unit"/>, exported in seconds.</summary>
    internal static Log2HistogramLayout Seconds(XMonitor.Bpf.Probes.HistogramUnit unit)
        => unit == XMonitor.Bpf.Probes.HistogramUnit.Nanoseconds ? Nanoseconds : Microseconds;

    /// <summary>The number of kernel slots.</summary>
    public int SlotCount { get; }

    /// <summary>Kernel units per base unit.</summary>
    public double UnitsPerBaseUnit { get; }

    /// <summary>The finite <c>le</c> bounds in the base unit, one per slot but the last.</summary>
    public ReadOnlySpan<double> UpperBounds => _upperBounds;

    /// <summary>Converts a value in kernel units (such as the histogram's sum) to the base unit.</summary>
    public double ToBaseUnit(double kernelUnits) => kernelUnits / UnitsPerBaseUnit;

    /// <summary>
    /// Writes one histogram sample from the kernel's slot counts.
    /// </summary>
    /// <param name="writer">The scrape's writer.</param>
    /// <param name="family">A histogram family in the base unit.</param>
    /// <param name="labels">The sample's labels.</param>
    /// <param name="slots">The per-slot counts as read from the map, at most <see cref="SlotCount"/> (missing slots count 0).</param>
    /// <param name="sum">The sum of the values in kernel units.</param>
    /// <exception cref="ArgumentException">More slots than the layout has.</exception>
    public void Write(MetricWriter writer, MetricFamily family, ReadOnlySpan<Label> labels, ReadOnlySpan<ulong> slots, double sum)
    {
        ArgumentNullException.ThrowIfNull(writer);
        if (slots.Length > SlotCount)
            throw new ArgumentException($"{slots.Length} slots for a layout of {SlotCount}", nameof(slots));
        Span<CumulativeBucket> buckets = stackalloc CumulativeBucket[_upperBounds.Length];
        ulong running = 0;
        for (var i = 0; i < _upperBounds.Length; i++)
        {
            if (i < slots.Length)
                running += slots[i];
            buckets[i] = new CumulativeBucket(_upperBounds[i], running);
        }
        if (slots.Length == SlotCount)
            running += slots[SlotCount - 1];
        writer.Histogram(family, labels, buckets, ToBaseUnit(sum), running, created: null, _upperBoundsUtf8);
    }

    /// <summary>Writes one histogram sample from a probe's histogram (its slots and exact sum).</summary>
    internal void Write(MetricWriter writer, MetricFamily family, ReadOnlySpan<Label> labels, XMonitor.Bpf.Probes.Log2Histogram histogram)
    {
        Span<ulong> slots = stackalloc ulong[XMonitor.Bpf.Probes.Log2Histogram.SlotCount];
        for (var s = 0; s < slots.Length; s++)
            slots[s] = histogram[s];
        Write(writer, family, labels, slots, histogram.Sum);
    }
}
