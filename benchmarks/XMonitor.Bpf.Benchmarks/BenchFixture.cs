using System.Runtime.InteropServices;

namespace XMonitor.Bpf.Benchmarks;

/// <summary>
/// bench.bpf.o loaded, its ring buffer mapped for reading, its hash map filled with
/// <see cref="HashEntries"/> entries and its per-CPU counters bumped: what every benchmark and
/// comparison reads.
/// </summary>
internal sealed class BenchFixture : IDisposable
{
    /// <summary>Records of a full ring with 16-byte payloads (24 bytes each with the header).</summary>
    public const int Records16 = RingSize / 24;

    /// <summary>Records of a full ring with 64-byte payloads (72 bytes each with the header).</summary>
    public const int Records64 = RingSize / 72;

    /// <summary>Entries of the hash map (BENCH_HASH_ENTRIES in bench.h).</summary>
    public const int HashEntries = 10_000;

    /// <summary>The per-CPU array slot the bump program counts in (BENCH_PERCPU_KEY in bench.h).</summary>
    public const uint PerCpuKey = 3;

    /// <summary>The ring's size (BENCH_RING_SIZE in bench.h).</summary>
    private const int RingSize = 1 << 22;

    private readonly BenchSkeleton _skeleton;

    public BenchFixture()
    {
        using var open = BenchSkeleton.Open();
        _skeleton = open.Load();
        if (_skeleton.RingMap.MaxEntries != RingSize || _skeleton.StatsMap.Map.MaxEntries != HashEntries)
            throw new InvalidOperationException("bench.bpf.o does not match the sizes in BenchFixture: rebuild");
        Ring = _skeleton.OpenRingReader();

        var keys = new uint[HashEntries];
        var values = new BenchSkeleton.BenchStats[HashEntries];
        for (var i = 0; i < HashEntries; i++)
        {
            keys[i] = KeyOf(i);
            values[i] = new BenchSkeleton.BenchStats { Packets = (ulong)i, Bytes = (ulong)i * 1500 };
        }
        Stats.UpdateAll(keys, values);
        _skeleton.BumpProgram.TestRun();
    }

    public BpfRingBuffer Ring { get; }

    public BpfMap<uint, BenchSkeleton.BenchStats> Stats => _skeleton.StatsMap;

    public BpfMap<uint, ulong> Counters => _skeleton.CountersMap;

    /// <summary>Spreads keys like process ids rather than 0..n, so hash buckets fill as in real use.</summary>
    public static uint KeyOf(int i) => (uint)((i * 7919) + 1000);

    /// <summary>Fills the empty ring with 16-byte records; returns how many were written.</summary>
    public int Fill16() => Fill(_skeleton.Produce16Program, 24, Records16);

    /// <summary>Fills the empty ring with 64-byte records; returns how many were written.</summary>
    public int Fill64() => Fill(_skeleton.Produce64Program, 72, Records64);

    public void Dispose()
    {
        Ring.Dispose();
        _skeleton.Dispose();
    }

    private int Fill(BpfProgram producer, int recordBytes, int expected)
    {
        if (Ring.PendingBytes != 0)
            throw new InvalidOperationException($"the ring still holds {Ring.PendingBytes} bytes before a fill");
        // Ask for more than fits: the producer stops at the first failed reserve, so the ring is full.
        var args = new BenchSkeleton.BenchProduceArgs { Count = (uint)expected + 1 };
        producer.TestRun(MemoryMarshal.AsBytes(new ReadOnlySpan<BenchSkeleton.BenchProduceArgs>(in args)));
        var written = (int)(Ring.PendingBytes / recordBytes);
        if (written != expected)
            throw new InvalidOperationException($"{producer.Name} wrote {written} records, expected {expected}");
        return written;
    }
}
