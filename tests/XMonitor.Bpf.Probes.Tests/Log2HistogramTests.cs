namespace XMonitor.Bpf.Probes.Tests;

/// <summary>Bucket bounds, deltas and the BCC text format of the log2 histogram.</summary>
public sealed class Log2HistogramTests
{
    [Fact]
    public void BucketsHaveTheKernelSidesLog2Bounds()
    {
        var h = new Log2Histogram([1, 2, 3], 20, HistogramUnit.Microseconds);
        Assert.Equal(Log2Histogram.SlotCount, h.Buckets.Count);
        Assert.Equal(new HistogramBucket(0, 1, 1), h.Buckets[0]);
        Assert.Equal(new HistogramBucket(2, 3, 2), h.Buckets[1]);
        Assert.Equal(new HistogramBucket(4, 7, 3), h.Buckets[2]);
        Assert.Equal(new HistogramBucket(1UL << 30, (1UL << 31) - 1, 0), h.Buckets[30]);
        // The kernel clamps larger values into the last slot.
        Assert.Equal(new HistogramBucket(1UL << 31, ulong.MaxValue, 0), h.Buckets[31]);
        Assert.Equal(6UL, h.Count);
        Assert.Equal(20.0 / 6, h.Mean);
    }

    [Fact]
    public void SubtractGivesWhatWasAddedAndARestartGivesTheNewCounts()
    {
        var earlier = new Log2Histogram([1, 2, 3], 20, HistogramUnit.Microseconds);
        var later = new Log2Histogram([1, 5, 3, 1], 35, HistogramUnit.Microseconds);
        var delta = later.Subtract(earlier);
        Assert.Equal([0UL, 3, 0, 1], delta.Buckets.Take(4).Select(b => b.Count));
        Assert.Equal(15UL, delta.Sum);
        Assert.Equal(4UL, delta.Count);

        var restarted = new Log2Histogram([0, 1], 2, HistogramUnit.Microseconds);
        Assert.Same(restarted, restarted.Subtract(earlier));
        Assert.Throws<ArgumentException>(() => later.Subtract(new Log2Histogram([], 0, HistogramUnit.Nanoseconds)));
        Assert.Throws<ArgumentException>(() => new Log2Histogram(new ulong[33], 0, HistogramUnit.Nanoseconds));
    }

    [Fact]
    public void TextIsLaidOutLikeBccsPrintLog2Hist()
    {
        // Lines as libbpf-tools' runqlat prints them (header, "%*lld -> %-*lld : %-8d |" rows,
        // 40-character bar scaled to the largest bucket), up to the last non-empty bucket.
        var h = new Log2Histogram([233, 742, 0, 10], 0, HistogramUnit.Microseconds);
        var expected =
            "     usecs               : count    distribution\n" +
            "         0 -> 1          : 233      |************                            |\n" +
            "         2 -> 3          : 742      |****************************************|\n" +
            "         4 -> 7          : 0        |                                        |\n" +
            "         8 -> 15         : 10       |                                        |\n";
        Assert.Equal(expected, h.ToText());
        Assert.StartsWith("     nsecs ", new Log2Histogram([], 0, HistogramUnit.Nanoseconds).ToText());
    }
}
