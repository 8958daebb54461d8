using BenchmarkDotNet.Attributes;

namespace XMonitor.Bpf.Benchmarks;

/// <summary>Single-entry map operations: one lookup or update of the 10,000-entry hash map, one per-CPU read.</summary>
[MemoryDiagnoser]
public class MapElementBenchmarks
{
    private readonly ulong[] _perCpu = new ulong[BpfMap.PossibleCpus];
    private BenchFixture _fixture = null!;
    private uint _key;

    [GlobalSetup]
    public void Setup()
    {
        _fixture = new BenchFixture();
        _key = BenchFixture.KeyOf(BenchFixture.HashEntries / 2);
    }

    [GlobalCleanup]
    public void Cleanup() => _fixture.Dispose();

    [Benchmark]
    public ulong Lookup()
    {
        _fixture.Stats.TryLookup(_key, out var value);
        return value.Bytes;
    }

    [Benchmark]
    public void Update() => _fixture.Stats.Update(_key, new BenchSkeleton.BenchStats { Packets = 1, Bytes = 1500 });

    /// <summary>One key of the per-CPU array, every CPU's value, summed as a metric would be.</summary>
    [Benchmark]
    public ulong PerCpuRead()
    {
        _fixture.Counters.TryLookupPerCpu(BenchFixture.PerCpuKey, _perCpu);
        return PerCpuValues.Sum<ulong>(_perCpu);
    }
}
