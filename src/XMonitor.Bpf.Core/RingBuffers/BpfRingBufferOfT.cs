using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace XMonitor.Bpf;

/// <summary>Receives one ring buffer record as a reference into the kernel's ring, valid only during the call.</summary>
public delegate void RingBufferRecordHandler<T>(ref readonly T record) where T : unmanaged;

/// <summary>
/// A <see cref="BpfRingBuffer"/> whose records are all <typeparamref name="T"/> (the skeleton's
/// typed reader): each record is handed out as a <c>ref readonly T</c> over the ring, no copy.
/// Records shorter than <typeparamref name="T"/> are skipped and counted in <see cref="ShortRecords"/>.
/// </summary>
public sealed class BpfRingBuffer<T> : IDisposable where T : unmanaged
{
    private long _shortRecords;

    /// <summary>Maps the ring buffer <paramref name="map"/> for reading records of <typeparamref name="T"/>.</summary>
    public BpfRingBuffer(BpfMap map) => Untyped = new BpfRingBuffer(map);

    /// <summary>The untyped reader, for waiting and raw access.</summary>
    public BpfRingBuffer Untyped { get; }

    /// <summary>Records that were too short to be a <typeparamref name="T"/> and were skipped.</summary>
    public long ShortRecords => Interlocked.Read(ref _shortRecords);

    /// <summary>Hands every waiting record to <paramref name="handler"/>; returns how many.</summary>
    public int Consume(RingBufferRecordHandler<T> handler, int maxRecords = int.MaxValue)
    {
        ArgumentNullException.ThrowIfNull(handler);
        var adapter = new Adapter(handler, this);
        return Untyped.Consume(ref adapter, maxRecords);
    }

    /// <summary>Sleeps until data may be waiting; see <see cref="BpfRingBuffer.Wait"/>.</summary>
    public bool Wait(TimeSpan timeout, CancellationToken cancellationToken = default) => Untyped.Wait(timeout, cancellationToken);

    /// <summary>Consumes on a dedicated thread until cancelled; see <see cref="BpfRingBuffer.RunAsync"/>.</summary>
    public Task RunAsync(RingBufferRecordHandler<T> handler, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(handler);
        return Untyped.RunAsync(new Adapter(handler, this), cancellationToken);
    }

    /// <summary>Unmaps the ring.</summary>
    public void Dispose() => Untyped.Dispose();

    private readonly struct Adapter(RingBufferRecordHandler<T> handler, BpfRingBuffer<T> owner) : IRingBufferHandler
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void OnRecord(ReadOnlySpan<byte> record)
        {
            if (record.Length < Unsafe.SizeOf<T>())
            {
                Interlocked.Increment(ref owner._shortRecords);
                return;
            }
            handler(in MemoryMarshal.AsRef<T>(record));
        }
    }
}
