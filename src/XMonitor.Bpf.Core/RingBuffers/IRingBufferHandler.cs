namespace XMonitor.Bpf;

/// <summary>
/// Receives ring buffer records. Implement it on a struct and pass it by reference to
/// <see cref="BpfRingBuffer.Consume{THandler}(ref THandler, int)"/>: the JIT then specializes the
/// read loop for the handler and inlines the call, which a delegate or a C function pointer cannot.
/// </summary>
public interface IRingBufferHandler
{
    /// <summary>
    /// Handles one record. <paramref name="record"/> points into the kernel's ring and is valid only
    /// during this call; read it (for example with <c>MemoryMarshal.Read</c>) or copy it.
    /// </summary>
    void OnRecord(ReadOnlySpan<byte> record);
}
