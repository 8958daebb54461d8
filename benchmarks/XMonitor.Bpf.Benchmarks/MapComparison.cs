namespace XMonitor.Bpf.Benchmarks;

/// <summary>
/// The .NET half of <c>benchmarks/run.sh maps</c>, timed as benchmarks/ref/maps_ref.c times libbpf:
/// a batch read and a key-by-key read of all 10,000 entries of the hash map (ns per full read), and
/// single lookups, updates and per-CPU reads (ns per call, over blocks of calls).
/// </summary>
internal static class MapComparison
{
    private const int Block = 10_000;

    public static int Run(int repeats)
    {
        using var fixture = new BenchFixture();
        var stats = fixture.Stats;
        var keys = new uint[BenchFixture.HashEntries];
        var values = new BenchSkeleton.BenchStats[BenchFixture.HashEntries];
        var perCpu = new ulong[BpfMap.PossibleCpus];
        var key = BenchFixture.KeyOf(BenchFixture.HashEntries / 2);
        var update = new BenchSkeleton.BenchStats { Packets = 1, Bytes = 1500 };

        // Key by key is ~20,000 syscalls a read: fewer repeats keep the run short.
        var slowRepeats = Math.Max(5, repeats / 10);
        Time("map_batch", repeats, 1, () => Expect(stats.ReadAll(keys, values)));
        Time("map_key_by_key", slowRepeats, 1, () =>
        {
            var n = 0;
            foreach (var k in stats.Keys)
            {
                if (stats.TryLookup(k, out values[n]))
                    n++;
            }
            Expect(n);
        });
        Time("map_lookup", repeats, Block, () =>
        {
            for (var i = 0; i < Block; i++)
                stats.TryLookup(key, out values[0]);
        });
        Time("map_update", repeats, Block, () =>
        {
            for (var i = 0; i < Block; i++)
                stats.Update(key, update);
        });
        Time("percpu_read", repeats, Block, () =>
        {
            for (var i = 0; i < Block; i++)
                fixture.Counters.TryLookupPerCpu(BenchFixture.PerCpuKey, perCpu);
        });
        return 0;
    }

    /// <summary>Runs <paramref name="body"/> (which does <paramref name="operations"/> operations) a few times untimed, then
    /// <paramref name="repeats"/> times timed; prints the median ns of thread CPU time per operation and the bytes allocated per operation.</summary>
    private static void Time(string @case, int repeats, int operations, Action body)
    {
        for (var i = 0; i < 3; i++)
            body();
        var samples = new Samples(repeats);
        var allocated = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < repeats; i++)
        {
            var start = ThreadCpuTime.Seconds();
            body();
            samples.Add((ThreadCpuTime.Seconds() - start) * 1e9 / operations);
        }
        allocated = GC.GetAllocatedBytesForCurrentThread() - allocated;
        Samples.Print("result", @case, "dotnet", samples.Median());
        Samples.Print("alloc", @case, "dotnet", allocated / ((double)repeats * operations));
    }

    private static void Expect(int read)
    {
        if (read != BenchFixture.HashEntries)
            throw new InvalidOperationException($"read {read} entries, expected {BenchFixture.HashEntries}");
    }
}
