using BenchmarkDotNet.Attributes;

namespace XMonitor.Bpf.Benchmarks;

/// <summary>Reading all 10,000 entries of the hash map: batch lookup against key-by-key iteration (the baseline).</summary>
[MemoryDiagnoser]
public class MapIterationBenchmarks
{
    private readonly uint[] _keys = new uint[BenchFixture.HashEntries];
    private readonly BenchSkeleton.BenchStats[] _values = new BenchSkeleton.BenchStats[BenchFixture.HashEntries];
    private BenchFixture _fixture = null!;

    [GlobalSetup]
    public void Setup() => _fixture = new BenchFixture();

    [GlobalCleanup]
    public void Cleanup() => _fixture.Dispose();

    [Benchmark(Baseline = true)]
    public int KeyByKey()
    {
        var n = 0;
        foreach (var key in _fixture.Stats.Keys)
        {
            if (_fixture.Stats.TryLookup(key, out _values[n]))
                n++;
        }
        return Expect(n);
    }

    [Benchmark]
    public int Batch() => Expect(_fixture.Stats.ReadAll(_keys, _values));

    private static int Expect(int read) => read == BenchFixture.HashEntries
        ? read
        : throw new InvalidOperationException($"read {read} entries, expected {BenchFixture.HashEntries}");
}
