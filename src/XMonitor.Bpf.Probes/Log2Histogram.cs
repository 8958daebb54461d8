namespace XMonitor.Bpf.Probes;

/// <summary>
/// An immutable log2 histogram as the kernel side keeps it (<c>struct xm_hist</c>): slot 0 counts
/// the values 0 and 1, slot i counts [2^i, 2^(i+1)), the last slot also every larger value. Probes
/// hand out cumulative histograms (everything since the probe started) and deltas between two
/// of them (<see cref="Subtract"/>).
/// </summary>
public sealed class Log2Histogram
{
    /// <summary>The number of slots, as the kernel side's <c>XM_MAX_SLOTS</c>.</summary>
    public const int SlotCount = 32;

    private readonly ulong[] _slots;
    private HistogramBucket[]? _buckets;

    /// <summary>Creates a histogram from its slot counts.</summary>
    /// <param name="slots">Counts per slot, at most <see cref="SlotCount"/>; missing slots are 0.</param>
    /// <param name="sum">The sum of every counted value, in <paramref name="unit"/>.</param>
    /// <param name="unit">The unit of the counted values.</param>
    /// <exception cref="ArgumentException">More than <see cref="SlotCount"/> slots.</exception>
    public Log2Histogram(ReadOnlySpan<ulong> slots, ulong sum, HistogramUnit unit)
    {
        if (slots.Length > SlotCount)
            throw new ArgumentException($"a log2 histogram has {SlotCount} slots, not {slots.Length}", nameof(slots));
        _slots = new ulong[SlotCount];
        slots.CopyTo(_slots);
        ulong count = 0;
        foreach (var n in _slots)
            count += n;
        Count = count;
        Sum = sum;
        Unit = unit;
    }

    /// <summary>The unit of the counted values and of <see cref="Sum"/>.</summary>
    public HistogramUnit Unit { get; }

    /// <summary>
    /// The number of values counted: the sum of the slots. The kernel adds to the slot, the sum and
    /// its own count one after another, so while events arrive <see cref="Sum"/> may lag the slots
    /// by the few values in flight.
    /// </summary>
    public ulong Count { get; }

    /// <summary>The sum of the counted values, in <see cref="Unit"/> (exact, not estimated from the buckets).</summary>
    public ulong Sum { get; }

    /// <summary>The mean value, in <see cref="Unit"/>; 0 when empty.</summary>
    public double Mean => Count == 0 ? 0 : (double)Sum / Count;

    /// <summary>Every slot as a bucket with its bounds, <see cref="SlotCount"/> of them.</summary>
    public IReadOnlyList<HistogramBucket> Buckets => _buckets ??= MakeBuckets();

    /// <summary>The count of slot <paramref name="slot"/>.</summary>
    public ulong this[int slot] => _slots[slot];

    /// <summary>
    /// What was counted after <paramref name="earlier"/>, a previous snapshot of the same cumulative
    /// histogram. When a slot went down (the kernel's entry was deleted and created anew) the
    /// counters restarted, and this histogram is returned as it is.
    /// </summary>
    /// <exception cref="ArgumentException">The units differ.</exception>
    public Log2Histogram Subtract(Log2Histogram earlier)
    {
        ArgumentNullException.ThrowIfNull(earlier);
        if (earlier.Unit != Unit)
            throw new ArgumentException($"cannot subtract a histogram in {earlier.Unit} from one in {Unit}", nameof(earlier));
        Span<ulong> delta = stackalloc ulong[SlotCount];
        for (var i = 0; i < SlotCount; i++)
        {
            if (_slots[i] < earlier._slots[i])
                return this;
            delta[i] = _slots[i] - earlier._slots[i];
        }
        return new Log2Histogram(delta, Sum >= earlier.Sum ? Sum - earlier.Sum : 0, Unit);
    }

    /// <summary>
    /// Renders the histogram as BCC's tools print one (<c>runqlat</c>, <c>biolatency</c>): a header
    /// naming the unit, then one line per bucket up to the last non-empty one, with a bar of stars.
    /// </summary>
    public string ToText() => Log2HistogramText.Render(this);

    /// <summary>Summarizes the histogram for logs: count, mean and unit.</summary>
    public override string ToString() => Unit switch
    {
        HistogramUnit.Microseconds => $"{Count} values, mean {Mean:0.##} us",
        HistogramUnit.Nanoseconds => $"{Count} values, mean {Mean:0.##} ns",
        _ => $"{Count} values, mean {Mean:0.##}",
    };

    /// <summary>The lower bound of slot <paramref name="slot"/>.</summary>
    internal static ulong LowBound(int slot) => slot == 0 ? 0 : 1UL << slot;

    /// <summary>The upper bound of slot <paramref name="slot"/> as BCC prints it (2^(slot+1) - 1, also for the last slot).</summary>
    internal static ulong HighBound(int slot) => (1UL << (slot + 1)) - 1;

    private HistogramBucket[] MakeBuckets()
    {
        var buckets = new HistogramBucket[SlotCount];
        for (var i = 0; i < SlotCount; i++)
            buckets[i] = new HistogramBucket(LowBound(i), i == SlotCount - 1 ? ulong.MaxValue : HighBound(i), _slots[i]);
        return buckets;
    }
}
