using System.Runtime.InteropServices;
using System.Text;

namespace XMonitor.Bpf.Tests;

/// <summary>A SEC("syscall") program writes known records into a ring buffer; the reader must see them all, in order, intact.</summary>
public sealed class RingBufferTests
{
    [StructLayout(LayoutKind.Sequential)]
    private struct ProduceArgs
    {
        public uint Count;
        public uint Multiplier;
        public ulong First;
        public uint DiscardEvery;
        public uint Pad;
    }

    [StructLayout(LayoutKind.Sequential)]
    private unsafe struct SampleRecord
    {
        public ulong Seq;
        public ulong Value;
        public fixed byte Tag[16];
    }

    private static void Produce(BpfObject obj, uint count, ulong first, uint multiplier = 3, uint discardEvery = 0)
    {
        var args = new ProduceArgs { Count = count, Multiplier = multiplier, First = first, DiscardEvery = discardEvery };
        var result = obj.GetProgram("produce").TestRun(MemoryMarshal.AsBytes(new ReadOnlySpan<ProduceArgs>(in args)));
        Assert.Equal(0u, result.ReturnValue);
    }

    private struct Checker : IRingBufferHandler
    {
        public ulong Expected;
        public int Bad;

        public unsafe void OnRecord(ReadOnlySpan<byte> record)
        {
            var r = MemoryMarshal.Read<SampleRecord>(record);
            var tag = Encoding.ASCII.GetString(new ReadOnlySpan<byte>(r.Tag, 15));
            if (record.Length != sizeof(SampleRecord) || r.Seq != Expected || r.Value != r.Seq * 3 || tag != "xmonitor-record")
                Bad++;
            Expected++;
        }
    }

    [Fact]
    public void EveryRecordArrivesInOrderWithItsContents()
    {
        BpfEnvironment.Require();
        using var obj = BpfEnvironment.Open("ringbuf").Load();
        using var ring = new BpfRingBuffer(obj.GetMap("records"));
        Assert.Equal(1 << 22, ring.Size);

        // 25 batches of 400,000 bytes go round the 4 MiB ring more than twice; 40-byte records do
        // not divide it, so records straddle its end and are read through the second mapping.
        var checker = new Checker { Expected = 1000 };
        var total = 0;
        for (var batch = 0; batch < 25; batch++)
        {
            Produce(obj, 10_000, 1000 + ((ulong)batch * 10_000));
            Assert.Equal(10_000L * 40, ring.PendingBytes);
            total += ring.Consume(ref checker);
        }

        Assert.Equal(250_000, total);
        Assert.Equal(0, checker.Bad);
        Assert.Equal(251_000UL, checker.Expected);
        Assert.Equal(0, ring.PendingBytes);
        Assert.Equal(0, ring.Consume(ref checker));
    }

    [Fact]
    public void DiscardedRecordsAreSkippedAndTheirSpaceReleased()
    {
        BpfEnvironment.Require();
        using var obj = BpfEnvironment.Open("ringbuf").Load();
        using var ring = new BpfRingBuffer(obj.GetMap("records"));
        var seen = new List<ulong>();
        for (var round = 0; round < 3; round++)
        {
            // Every third record discarded, over enough rounds to wrap the ring.
            Produce(obj, 60_000, (ulong)round * 60_000, discardEvery: 3);
            ring.Consume(r => seen.Add(MemoryMarshal.Read<SampleRecord>(r).Seq));
            Assert.Equal(0, ring.PendingBytes);
        }
        Assert.Equal(Enumerable.Range(0, 180_000).Where(i => i % 60_000 % 3 != 0).Select(i => (ulong)i), seen);

        Span<byte> buffer = stackalloc byte[64];
        Produce(obj, 4, 0, discardEvery: 2);
        Assert.Equal(RingBufferReadStatus.Record, ring.TryRead(buffer, out _));
        Assert.Equal(1UL, MemoryMarshal.Read<SampleRecord>(buffer).Seq);
        Assert.Equal(RingBufferReadStatus.Record, ring.TryRead(buffer, out _));
        Assert.Equal(3UL, MemoryMarshal.Read<SampleRecord>(buffer).Seq);
        Assert.Equal(RingBufferReadStatus.Empty, ring.TryRead(buffer, out _));
    }

    [Fact]
    public void ConsumeStopsAtTheLimitAndResumesWhereItStopped()
    {
        BpfEnvironment.Require();
        using var obj = BpfEnvironment.Open("ringbuf").Load();
        using var ring = new BpfRingBuffer(obj.GetMap("records"));
        Produce(obj, 100, 0);

        var checker = new Checker();
        Assert.Equal(30, ring.Consume(ref checker, maxRecords: 30));
        Assert.Equal(70, ring.Consume(ref checker));
        Assert.Equal(100UL, checker.Expected);
        Assert.Equal(0, checker.Bad);
    }

    [Fact]
    public void TryReadCopiesOneRecordAndReportsEmptyAndShortBuffers()
    {
        BpfEnvironment.Require();
        using var obj = BpfEnvironment.Open("ringbuf").Load();
        using var ring = new BpfRingBuffer(obj.GetMap("records"));
        Span<byte> buffer = stackalloc byte[64];
        Assert.Equal(RingBufferReadStatus.Empty, ring.TryRead(buffer, out _));

        Produce(obj, 2, 7);
        Assert.Equal(RingBufferReadStatus.DestinationTooSmall, ring.TryRead(buffer[..8], out var needed));
        Assert.Equal(32, needed);
        Assert.Equal(RingBufferReadStatus.Record, ring.TryRead(buffer, out var length));
        Assert.Equal(32, length);
        Assert.Equal(7UL, MemoryMarshal.Read<SampleRecord>(buffer).Seq);
        Assert.Equal(RingBufferReadStatus.Record, ring.TryRead(buffer, out _));
        Assert.Equal(8UL, MemoryMarshal.Read<SampleRecord>(buffer).Seq);
        Assert.Equal(RingBufferReadStatus.Empty, ring.TryRead(buffer, out _));
    }

    [Fact]
    public async Task WaitWakesOnDataTimesOutWhenEmptyAndHonoursCancellation()
    {
        BpfEnvironment.Require();
        using var obj = BpfEnvironment.Open("ringbuf").Load();
        using var ring = new BpfRingBuffer(obj.GetMap("records"));

        Assert.False(ring.Wait(TimeSpan.FromMilliseconds(50), TestContext.Current.CancellationToken));

        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));
        var started = DateTime.UtcNow;
        Assert.False(ring.Wait(Timeout.InfiniteTimeSpan, cts.Token));
        Assert.InRange((DateTime.UtcNow - started).TotalMilliseconds, 50, 5000);

        var waiter = Task.Run(() => ring.Wait(TimeSpan.FromSeconds(10)), TestContext.Current.CancellationToken);
        await Task.Delay(50, TestContext.Current.CancellationToken);
        Produce(obj, 1, 0);
        Assert.True(await waiter.WaitAsync(TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task RunAsyncDeliversRecordsUntilCancelled()
    {
        BpfEnvironment.Require();
        using var obj = BpfEnvironment.Open("ringbuf").Load();
        using var ring = new BpfRingBuffer(obj.GetMap("records"));
        var seen = new List<ulong>();
        using var cts = new CancellationTokenSource();
        var loop = ring.RunAsync(r => { lock (seen) seen.Add(MemoryMarshal.Read<SampleRecord>(r).Seq); }, cts.Token);

        Produce(obj, 500, 0);
        Produce(obj, 500, 500);
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (DateTime.UtcNow < deadline && seen.Count < 1000)
            await Task.Delay(10, TestContext.Current.CancellationToken);
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => loop);

        Assert.Equal(Enumerable.Range(0, 1000).Select(i => (ulong)i), seen);
    }

    [Fact]
    public void AFullRingDropsRecordsInTheKernelNotInTheReader()
    {
        BpfEnvironment.Require();
        using var obj = BpfEnvironment.Open("ringbuf").Load();
        using var ring = new BpfRingBuffer(obj.GetMap("records"));
        // 4 MiB holds 104,857 records of 40 bytes; ask for more.
        Produce(obj, 200_000, 0);
        var checker = new Checker();
        var read = ring.Consume(ref checker);
        Assert.Equal((1 << 22) / 40, read);
        Assert.Equal(0, checker.Bad);
        Span<byte> dropped = stackalloc byte[8];
        Assert.True(obj.GetMap(".bss").TryLookup(stackalloc byte[4], dropped));
        Assert.Equal(1UL, MemoryMarshal.Read<ulong>(dropped));
    }

    [Fact]
    public void ARingBufferReaderRejectsOtherMapTypes()
    {
        BpfEnvironment.Require();
        using var obj = BpfEnvironment.Open("maps").Load();
        var ex = Assert.Throws<ArgumentException>(() => new BpfRingBuffer(obj.GetMap("flows")));
        Assert.Contains("not a ring buffer", ex.Message);
    }
}
