namespace XMonitor.Bpf.Prometheus.Tests.Adapters;

public sealed class MonotonicSeriesTests
{
    private static readonly DateTimeOffset Start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Retention = TimeSpan.FromSeconds(10);

    [Fact]
    public void Keys_leaving_take_nothing_from_other_and_the_total_and_an_own_series_is_kept_then_dropped()
    {
        var series = new MonotonicSeries<ulong>(1, Retention, 1, (value, sum) => sum[0] += value);
        // Key 1 is the busiest: its own series. Key 2 was seen first with 5 counted: "other" starts at 5.
        series.Observe([(1, 10, 10, 10), (2, 5, 5, 5)], Start);
        Assert.Equal([(1UL, 10UL)], series.Series());
        Assert.Equal((true, 5UL, 15UL), (series.HasOther, series.Other[0], series.Total[0]));

        // Both publish their last delta, then the probe forgets them.
        series.Observe([(1, 1, 1, 11), (2, 2, 2, 7)], Start.AddSeconds(1));
        series.Observe([(3, 4, 4, 4)], Start.AddSeconds(2));
        Assert.Equal([(1UL, 11UL)], series.Series());
        // Key 1's slot is held while its series is: key 3 goes to "other", which keeps key 2's 7.
        Assert.Equal((11UL, 22UL), (series.Other[0], series.Total[0]));

        // A key seen again while its old series is held (a reused pid) does not continue it with smaller values.
        series.Observe([(1, 3, 3, 3), (3, 0, 0, 4)], Start.AddSeconds(3));
        Assert.Equal([(1UL, 11UL)], series.Series());
        Assert.Equal((14UL, 25UL), (series.Other[0], series.Total[0]));

        // After the retention the series is dropped and its slot goes to the busiest new key.
        series.Observe([(1, 0, 0, 3), (3, 0, 0, 4), (4, 1, 2, 2), (5, 0, 0, 0)], Start.AddSeconds(2) + Retention);
        Assert.Equal([(4UL, 2UL)], series.Series());
        Assert.Equal((14UL, 27UL), (series.Other[0], series.Total[0]));
    }
}
