using System.Diagnostics;
using System.Runtime.InteropServices;

namespace XMonitor.Bpf.Benchmarks;

/// <summary>
/// The .NET half of <c>benchmarks/run.sh ringbuf</c>: fills the ring (untimed) and times only its
/// consumption, the way benchmarks/ref/ringbuf_ref.c times <c>ring_buffer__consume</c>; prints the
/// median records per second of the consuming thread's CPU time for each record size and handler
/// form, and the bytes allocated per record.
/// </summary>
internal static class RingBufferComparison
{
    /// <summary>Tiered compilation promotes a method after 30 calls and a 100 ms quiet period; warm up well past both.</summary>
    private static readonly TimeSpan WarmupTime = TimeSpan.FromSeconds(2);

    public static int Run(int repeats)
    {
        using var fixture = new BenchFixture();
        Measure(fixture.Ring, "ringbuf_16", fixture.Fill16, repeats);
        Measure(fixture.Ring, "ringbuf_64", fixture.Fill64, repeats);
        return 0;
    }

    private static void Measure(BpfRingBuffer ring, string @case, Func<int> fill, int repeats)
    {
        var handler = new SumHandler();
        ulong delegateSum = 0;
        RingBufferRecordHandler onRecord = record => delegateSum += MemoryMarshal.Read<ulong>(record);

        var warmup = Stopwatch.StartNew();
        while (warmup.Elapsed < WarmupTime)
        {
            fill();
            ring.Consume(ref handler);
            fill();
            ring.Consume(onRecord);
        }

        var structRates = new Samples(repeats);
        var delegateRates = new Samples(repeats);
        long structAllocated = 0, delegateAllocated = 0, structRecords = 0, delegateRecords = 0;
        for (var i = 0; i < repeats; i++)
        {
            var expected = fill();
            var allocated = GC.GetAllocatedBytesForCurrentThread();
            var start = ThreadCpuTime.Seconds();
            var consumed = ring.Consume(ref handler);
            var end = ThreadCpuTime.Seconds();
            structAllocated += GC.GetAllocatedBytesForCurrentThread() - allocated;
            structRecords += Check(consumed, expected);
            structRates.Add(consumed / (end - start));

            expected = fill();
            allocated = GC.GetAllocatedBytesForCurrentThread();
            start = ThreadCpuTime.Seconds();
            consumed = ring.Consume(onRecord);
            end = ThreadCpuTime.Seconds();
            delegateAllocated += GC.GetAllocatedBytesForCurrentThread() - allocated;
            delegateRecords += Check(consumed, expected);
            delegateRates.Add(consumed / (end - start));
        }

        Samples.Print("result", @case, "dotnet_struct", structRates.Median());
        Samples.Print("result", @case, "dotnet_delegate", delegateRates.Median());
        Samples.Print("alloc", @case, "dotnet_struct", structAllocated / (double)structRecords);
        Samples.Print("alloc", @case, "dotnet_delegate", delegateAllocated / (double)delegateRecords);
        // Keeps the handlers' reads observable, so the JIT cannot drop them.
        Samples.Print("checksum", @case, "dotnet", handler.Sum + delegateSum);
    }

    private static int Check(int consumed, int expected) => consumed == expected
        ? consumed
        : throw new InvalidOperationException($"consumed {consumed} records, expected {expected}");
}
