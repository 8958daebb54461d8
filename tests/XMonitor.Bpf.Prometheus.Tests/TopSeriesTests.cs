namespace XMonitor.Bpf.Prometheus.Tests;

public sealed class TopSeriesTests
{
    private sealed record ProcessSample(string Comm, int Pid, double Events, double Bytes);

    private static IReadOnlyList<ProcessSample> Bound(IReadOnlyList<ProcessSample> samples, int limit)
        => TopSeries.Bound(samples, limit, s => s.Events,
            (a, b) => a with { Events = a.Events + b.Events, Bytes = a.Bytes + b.Bytes },
            s => s with { Comm = TopSeries.OtherComm, Pid = 0 });

    [Fact]
    public void Keeps_the_most_active_and_sums_the_rest_into_other()
    {
        var samples = Enumerable.Range(1, 10).Select(i => new ProcessSample($"p{i}", i, i * 10, i)).ToArray();
        var bounded = Bound(samples, 3);
        Assert.Equal(["p10", "p9", "p8", "other"], bounded.Select(s => s.Comm));
        Assert.Equal(new ProcessSample("other", 0, (1 + 2 + 3 + 4 + 5 + 6 + 7) * 10, 28), bounded[3]);
        Assert.Equal(samples.Sum(s => s.Events), bounded.Sum(s => s.Events));
    }

    [Fact]
    public void Under_the_bound_nothing_changes_and_ties_keep_input_order()
    {
        var samples = new[] { new ProcessSample("a", 1, 5, 0), new ProcessSample("b", 2, 5, 0), new ProcessSample("c", 3, 5, 0) };
        Assert.Same(samples, Bound(samples, 3));
        Assert.Equal(["a", "b", "other"], Bound(samples, 2).Select(s => s.Comm));
        Assert.Throws<ArgumentOutOfRangeException>(() => Bound(samples, 0));
    }

    [Fact]
    public void Cardinality_stays_bounded_with_many_processes()
    {
        var samples = Enumerable.Range(0, 100_000).Select(i => new ProcessSample("p", i, i % 997, 1)).ToArray();
        Assert.Equal(51, Bound(samples, 50).Count);
    }

    [Fact]
    public void What_the_source_left_out_always_joins_other()
    {
        static IReadOnlyList<ProcessSample> BoundWith(IReadOnlyList<ProcessSample> samples, int limit, ProcessSample outside)
            => TopSeries.Bound(samples, limit, s => s.Events,
                (a, b) => a with { Events = a.Events + b.Events, Bytes = a.Bytes + b.Bytes },
                s => s with { Comm = TopSeries.OtherComm, Pid = 0 }, [outside]);
        var samples = Enumerable.Range(1, 5).Select(i => new ProcessSample($"p{i}", i, i * 10, i)).ToArray();
        var beyond = new ProcessSample(TopSeries.OtherComm, 0, 7, 70);

        // Under the bound: every entry keeps its series, and the source's rest is "other" alone.
        var under = BoundWith(samples, 10, beyond);
        Assert.Equal(["p1", "p2", "p3", "p4", "p5", "other"], under.Select(s => s.Comm));
        Assert.Equal(beyond, under[^1]);

        // Over it: the left-out entries and the source's rest are one "other".
        var over = BoundWith(samples, 2, beyond);
        Assert.Equal(["p5", "p4", "other"], over.Select(s => s.Comm));
        Assert.Equal(new ProcessSample("other", 0, 60 + 7, 6 + 70), over[^1]);
        Assert.Equal(samples.Sum(s => s.Events) + beyond.Events, over.Sum(s => s.Events));
    }
}
