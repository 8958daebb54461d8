namespace XMonitor.Bpf.Prometheus.Tests.Adapters;

public sealed class StickySeriesTests
{
    [Fact]
    public void A_key_keeps_its_series_and_one_that_did_not_fit_stays_in_other()
    {
        var bound = new StickySeries(2);
        Assert.Equal([true, true, false], bound.Assign([(1, 5), (2, 9), (3, 1)]));
        // Key 3 is now the busiest, but moving it out of "other" would make "other" go down.
        Assert.Equal([true, true, false], bound.Assign([(1, 0), (2, 0), (3, 1000)]));
        // Key 1 is gone: its slot goes to the busiest new key, not to 3.
        Assert.Equal([true, false, true, false], bound.Assign([(2, 0), (3, 1000), (4, 1), (5, 0)]));
    }
}
