using System.Runtime.InteropServices;
using BenchmarkDotNet.Attributes;

namespace XMonitor.Bpf.Benchmarks;

/// <summary>
/// Consumption of a full ring: each iteration's setup fills it (untimed), the benchmark drains it.
/// One operation is one record, so Mean is the time per record, Op/s the records per second and
/// Allocated the bytes per record.
/// </summary>
/// <remarks>
/// One invocation per iteration (a fill is one ring's worth), so the warmup is long: tiered
/// compilation promotes the read loop to optimized code only after 30 calls and a quiet period.
/// </remarks>
[MemoryDiagnoser]
[InvocationCount(1)]
[WarmupCount(60)]
[IterationCount(30)]
public class RingBufferBenchmarks
{
    private BenchFixture _fixture = null!;
    private RingBufferRecordHandler _delegate = null!;
    private ulong _delegateSum;

    [GlobalSetup]
    public void Setup()
    {
        _fixture = new BenchFixture();
        // Made once, as an application would: the benchmark measures the call, not the closure.
        _delegate = record => _delegateSum += MemoryMarshal.Read<ulong>(record);
    }

    [GlobalCleanup]
    public void Cleanup() => _fixture.Dispose();

    [IterationSetup(Targets = [nameof(Struct16), nameof(Delegate16)])]
    public void Fill16() => _fixture.Fill16();

    [IterationSetup(Targets = [nameof(Struct64), nameof(Delegate64)])]
    public void Fill64() => _fixture.Fill64();

    [Benchmark(OperationsPerInvoke = BenchFixture.Records16)]
    public ulong Struct16() => ConsumeWithStruct(BenchFixture.Records16);

    [Benchmark(OperationsPerInvoke = BenchFixture.Records16)]
    public ulong Delegate16() => ConsumeWithDelegate(BenchFixture.Records16);

    [Benchmark(OperationsPerInvoke = BenchFixture.Records64)]
    public ulong Struct64() => ConsumeWithStruct(BenchFixture.Records64);

    [Benchmark(OperationsPerInvoke = BenchFixture.Records64)]
    public ulong Delegate64() => ConsumeWithDelegate(BenchFixture.Records64);

    private ulong ConsumeWithStruct(int expected)
    {
        var handler = new SumHandler();
        Check(_fixture.Ring.Consume(ref handler), expected);
        return handler.Sum;
    }

    private ulong ConsumeWithDelegate(int expected)
    {
        Check(_fixture.Ring.Consume(_delegate), expected);
        return _delegateSum;
    }

    private static void Check(int consumed, int expected)
    {
        if (consumed != expected)
            throw new InvalidOperationException($"consumed {consumed} records, expected {expected}");
    }
}
