using System.Text;
using XMonitor.Bpf.Probes.CacheStat;

namespace XMonitor.Bpf.Probes.Tests.CacheStat;

/// <summary>BCC's formula, the deltas of cumulative counters, the process list, and /proc/meminfo: no kernel needed.</summary>
public sealed class CacheStatFormulaTests
{
    [Fact]
    public void ColdRead_AllMisses()
    {
        var c = new CacheStatCounts(new CacheStatCounters(Accessed: 65536, Added: 65536, Dirtied: 0, BufferDirtied: 0, FaultAround: 0));
        Assert.Equal((65536UL, 0UL, 65536UL), (c.Accesses, c.Hits, c.Misses));
        Assert.Equal(0.0, c.HitRatio);
    }

    [Fact]
    public void HotRead_AllHits()
    {
        var c = new CacheStatCounts(new CacheStatCounters(65536, 0, 0, 0, 0));
        Assert.Equal((65536UL, 65536UL, 0UL), (c.Accesses, c.Hits, c.Misses));
        Assert.Equal(1.0, c.HitRatio);
    }

    [Fact]
    public void PagesAddedByWrites_AreNotMisses()
    {
        var c = new CacheStatCounts(new CacheStatCounters(100, 16384 + 10, 16384, 0, 0));
        Assert.Equal((100UL, 90UL, 10UL, 16384UL), (c.Accesses, c.Hits, c.Misses, c.Dirtied));
    }

    [Fact]
    public void BufferDirtying_IsNotAnAccess()
    {
        var c = new CacheStatCounts(new CacheStatCounters(1000, 0, 0, 400, 0));
        Assert.Equal((600UL, 600UL), (c.Accesses, c.Hits));
        var negative = new CacheStatCounts(new CacheStatCounters(10, 0, 0, 400, 0));
        Assert.Equal(0UL, negative.Accesses);
    }

    [Fact]
    public void ReadaheadBeyondAccesses_CapsMissesAtAccesses()
    {
        var c = new CacheStatCounts(new CacheStatCounters(100, 160, 0, 0, 0));
        Assert.Equal((100UL, 0UL, 100UL), (c.Accesses, c.Hits, c.Misses));
    }

    [Fact]
    public void NoAccesses_RatioIsNull()
    {
        Assert.Null(new CacheStatCounts(default).HitRatio);
        var writesOnly = new CacheStatCounts(new CacheStatCounters(0, 16384, 16384, 0, 3));
        Assert.Null(writesOnly.HitRatio);
        Assert.False(writesOnly.IsEmpty);
        Assert.True(new CacheStatCounts(default).IsEmpty);
    }

    [Fact]
    public void Delta_SubtractsAndRestartsWhenACounterWentDown()
    {
        var d = CacheStatCounters.Delta(new CacheStatCounters(10, 20, 30, 40, 50), new CacheStatCounters(1, 2, 3, 4, 5));
        Assert.Equal(new CacheStatCounters(9, 18, 27, 36, 45), d);
        var recreated = CacheStatCounters.Delta(new CacheStatCounters(3, 20, 30, 40, 50), new CacheStatCounters(7, 2, 3, 4, 5));
        Assert.Equal(3UL, recreated.Accessed);
    }

    [Fact]
    public void Accumulator_ReportsDeltasBusiestFirstAndForgetsExited()
    {
        var acc = new CacheStatAccumulator(topProcesses: 2);
        Assert.Equal(100UL, acc.System(new CacheStatCounters(100, 0, 0, 0, 0)).Accesses);
        Assert.Equal(50UL, acc.System(new CacheStatCounters(150, 0, 0, 0, 0)).Accesses);

        var (first, others, otherCount) = acc.Processes([Reading(1, "reader", 1000, 0, 0), Reading(2, "writer", 0, 500, 500), Reading(3, "idle", 1, 0, 0)]);
        Assert.Equal([1, 2], first.Select(p => p.ProcessId));
        // The one left out is not lost: its counts are the others'.
        Assert.Equal((1, 1UL), (otherCount, others.Accesses));

        // Only what changed since: reader read 10 more, writer nothing, idle exited after 5 more.
        var (second, _, _) = acc.Processes([Reading(1, "reader", 1010, 0, 0), Reading(2, "writer", 0, 500, 500), Reading(3, "idle", 6, 0, 0, exited: true)]);
        Assert.Equal([(1, 10UL, false), (3, 5UL, true)], second.Select(p => (p.ProcessId, p.Counts.Accesses, p.HasExited)));
        Assert.Equal("reader", second[0].Command);

        // A new process with the exited one's pid starts from zero, not from the old counters.
        // An exited process is listed once more even when it did nothing since.
        var (third, _, _) = acc.Processes([Reading(3, "reused", 4, 0, 0), Reading(1, "reader", 1010, 0, 0, exited: true)]);
        Assert.Equal([(3, 4UL, false), (1, 0UL, true)], third.Select(p => (p.ProcessId, p.Counts.Accesses, p.HasExited)));
    }

    [Fact]
    public void Accumulator_WithTopZero_ListsNothingButKeepsCounting()
    {
        var acc = new CacheStatAccumulator(topProcesses: 0);
        var (top, others, count) = acc.Processes([Reading(1, "a", 10, 0, 0)]);
        Assert.Empty(top);
        Assert.Equal((1, 10UL), (count, others.Accesses));
        (top, others, count) = acc.Processes([Reading(1, "a", 20, 0, 0)]);
        Assert.Empty(top);
        Assert.Equal((1, 10UL), (count, others.Accesses));
    }

    [Fact]
    public void MemInfo_ParsesKilobytes()
    {
        Assert.Equal(123456UL, MemInfo.Kilobytes("Cached:          123456 kB"));
        Assert.Equal(0UL, MemInfo.Kilobytes("Buffers:   garbage"));
        var (buffers, cached) = MemInfo.Read();
        Assert.True(cached > 0, "/proc/meminfo has a Cached line");
        Assert.Equal(0UL, buffers % 1024);
    }

    private static CacheStatReading Reading(uint pid, string comm, ulong accessed, ulong added, ulong dirtied, bool exited = false)
    {
        var value = new CachestatSkeleton.CachestatValue();
        value.Counters.Accessed = accessed;
        value.Counters.Added = added;
        value.Counters.Dirtied = dirtied;
        var bytes = Encoding.UTF8.GetBytes(comm);
        for (var i = 0; i < bytes.Length; i++)
            value.Comm[i] = (sbyte)bytes[i];
        return new CacheStatReading(pid, value, exited);
    }
}
