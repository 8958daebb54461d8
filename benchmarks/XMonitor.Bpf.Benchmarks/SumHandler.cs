using System.Runtime.InteropServices;

namespace XMonitor.Bpf.Benchmarks;

/// <summary>
/// The struct handler of the ring buffer benchmarks: reads each record's first 8 bytes, as the C
/// reference's callback does, so neither side's read can be optimized away.
/// </summary>
internal struct SumHandler : IRingBufferHandler
{
    public ulong Sum;

    public void OnRecord(ReadOnlySpan<byte> record) => Sum += MemoryMarshal.Read<ulong>(record);
}
