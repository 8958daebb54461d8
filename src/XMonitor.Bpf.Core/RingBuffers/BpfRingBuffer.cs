using System.Runtime.CompilerServices;
using Microsoft.Win32.SafeHandles;
using XMonitor.Bpf.Interop;

namespace XMonitor.Bpf;

/// <summary>
/// Reads a <c>BPF_MAP_TYPE_RINGBUF</c> map straight from its memory mapping: each record is handed
/// out as a <see cref="ReadOnlySpan{T}"/> over the kernel's ring, with no copy and no allocation,
/// and released back to the kernel when the handler returns. The reader maps the ring itself (the
/// layout libbpf's <c>ring_buffer__consume</c> reads), so the loop runs in managed code with the
/// handler inlined.
/// One thread consumes at a time (as with libbpf); <see cref="Wait"/> and <see cref="RunAsync"/>
/// sleep in epoll until the kernel signals data. The mapping keeps the kernel map alive, so the
/// reader stays valid after its <see cref="BpfObject"/> is disposed, until it is disposed itself.
/// </summary>
public sealed unsafe class BpfRingBuffer : IDisposable
{
    private const uint BusyBit = 1u << 31;
    private const uint DiscardBit = 1u << 30;
    private const int HeaderSize = 8;

    private readonly RingMapping _mapping;
    private readonly SafeFileHandle _epoll;
    private readonly SafeFileHandle _wakeup;
    private readonly ulong* _consumerPos;
    private readonly ulong* _producerPos;
    private readonly byte* _data;
    private readonly ulong _mask;
    private readonly string _description;

    /// <summary>Maps the ring buffer <paramref name="map"/> for reading.</summary>
    /// <exception cref="ArgumentException">The map is not a ring buffer.</exception>
    public BpfRingBuffer(BpfMap map)
    {
        ArgumentNullException.ThrowIfNull(map);
        if (map.Type != BpfMapType.RingBuf)
            throw new ArgumentException($"map '{map.Name}' is a {map.Type} map, not a ring buffer", nameof(map));
        Name = map.Name;
        Size = map.MaxEntries;
        _description = $"ring buffer '{Name}'";
        var pageSize = (nuint)Environment.SystemPageSize;

        using var lease = map.Lease();
        var consumer = LibC.Mmap(0, pageSize, LibC.PROT_READ | LibC.PROT_WRITE, LibC.MAP_SHARED, map.Fd, 0);
        if (consumer == LibC.MAP_FAILED)
            throw BpfException.FromLastError($"map consumer page of ring buffer '{Name}'");
        // The data area follows the producer page and is mapped twice in a row, so a record that
        // wraps around the end of the ring is still contiguous in memory.
        var producerLength = pageSize + (2 * (nuint)Size);
        var producer = LibC.Mmap(0, producerLength, LibC.PROT_READ, LibC.MAP_SHARED, map.Fd, (nint)pageSize);
        if (producer == LibC.MAP_FAILED)
        {
            var errno = LibBpf.LastErrno();
            LibC.Munmap(consumer, pageSize);
            throw BpfException.FromErrno($"map data pages of ring buffer '{Name}'", errno);
        }
        _mapping = new RingMapping(consumer, pageSize, producer, producerLength);
        _consumerPos = (ulong*)consumer;
        _producerPos = (ulong*)producer;
        _data = (byte*)producer + pageSize;
        _mask = (ulong)Size - 1;

        try
        {
            _epoll = NewFd(LibC.EpollCreate1(LibC.EPOLL_CLOEXEC), "create epoll instance");
            _wakeup = NewFd(LibC.EventFd(0, LibC.EFD_CLOEXEC | LibC.EFD_NONBLOCK), "create eventfd");
            Watch(map.Fd);
            Watch((int)_wakeup.DangerousGetHandle());
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>The ring buffer map's name.</summary>
    public string Name { get; }

    /// <summary>The ring's size in bytes.</summary>
    public int Size { get; }

    /// <summary>Bytes written by the kernel and not yet consumed.</summary>
    public long PendingBytes
    {
        get
        {
            using var lease = new HandleLease(_mapping, Describe());
            return (long)(Volatile.Read(ref *_producerPos) - Volatile.Read(ref *_consumerPos));
        }
    }

    /// <summary>
    /// Hands every waiting record (up to <paramref name="maxRecords"/>) to <paramref name="handler"/>
    /// and returns how many it handled; 0 when the ring is empty or the next record is still being written.
    /// </summary>
    public int Consume<THandler>(ref THandler handler, int maxRecords = int.MaxValue)
        where THandler : IRingBufferHandler, allows ref struct
    {
        using var lease = new HandleLease(_mapping, Describe());
        // Locals, not fields: the handler writes through a reference the JIT cannot tell apart from
        // this object, so it would re-read every field after each record.
        var consumerPos = _consumerPos;
        var producerPos = _producerPos;
        var size = (nuint)Size;
        var end = _data + size;
        var consumed = 0;
        var cons = Volatile.Read(ref *consumerPos);
        // Reading a record's length, then the next header at an address computed from it, is a chain
        // of dependent instructions that bounds the records per second: walk a pointer through the
        // (twice mapped) data area so the next header is one add away, and wrap it with a branch,
        // which the CPU predicts instead of waiting for.
        var header = _data + (cons & _mask);
        while (consumed < maxRecords)
        {
            var prod = Volatile.Read(ref *producerPos);
            if (cons >= prod)
                break;
            while (cons < prod && consumed < maxRecords)
            {
                var len = Volatile.Read(ref *(uint*)header);
                if ((len & BusyBit) != 0)
                    return consumed;
                // Busy is clear and a record is shorter than the ring (at most 1 GiB, Size being an
                // int), so adding the header and rounding up cannot carry into the discard bit: one
                // mask drops it and the low bits.
                var step = (len + HeaderSize + 7) & ((DiscardBit - 1) & ~7u);
                var record = header;
                cons += step;
                header += step;
                if (header >= end)
                    header -= size;
                if ((len & DiscardBit) == 0)
                {
                    handler.OnRecord(new ReadOnlySpan<byte>(record + HeaderSize, (int)len));
                    consumed++;
                }
                // Release the space only after the handler is done with the record.
                Volatile.Write(ref *consumerPos, cons);
            }
        }
        return consumed;
    }

    /// <summary>Hands every waiting record to <paramref name="handler"/>; see <see cref="Consume{THandler}(ref THandler, int)"/>.</summary>
    public int Consume(RingBufferRecordHandler handler, int maxRecords = int.MaxValue)
    {
        ArgumentNullException.ThrowIfNull(handler);
        var adapter = new DelegateHandler(handler);
        return Consume(ref adapter, maxRecords);
    }

    /// <summary>Copies the next record into <paramref name="destination"/> and releases it.</summary>
    /// <param name="destination">Where to copy the record.</param>
    /// <param name="length">The record's length (also when the destination is too small).</param>
    public RingBufferReadStatus TryRead(Span<byte> destination, out int length)
    {
        using var lease = new HandleLease(_mapping, Describe());
        var cons = Volatile.Read(ref *_consumerPos);
        while (true)
        {
            length = 0;
            if (cons >= Volatile.Read(ref *_producerPos))
                return RingBufferReadStatus.Empty;
            var header = _data + (cons & _mask);
            var len = Volatile.Read(ref *(uint*)header);
            if ((len & BusyBit) != 0)
                return RingBufferReadStatus.Busy;
            length = (int)(len & ~(BusyBit | DiscardBit));
            var discarded = (len & DiscardBit) != 0;
            if (!discarded && length > destination.Length)
                return RingBufferReadStatus.DestinationTooSmall;
            if (!discarded)
                new ReadOnlySpan<byte>(header + HeaderSize, length).CopyTo(destination);
            cons += (ulong)((length + HeaderSize + 7) & ~7);
            Volatile.Write(ref *_consumerPos, cons);
            if (!discarded)
                return RingBufferReadStatus.Record;
        }
    }

    /// <summary>
    /// Sleeps until the kernel signals new data, <paramref name="timeout"/> passes or
    /// <paramref name="cancellationToken"/> is cancelled.
    /// </summary>
    /// <returns>True when data may be waiting; false on timeout or cancellation.</returns>
    public bool Wait(TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        if (PendingBytes > 0)
            return true;
        using var registration = cancellationToken.CanBeCanceled ? cancellationToken.UnsafeRegister(static s => ((BpfRingBuffer)s!).Wake(), this) : default;
        var timeoutMs = timeout == Timeout.InfiniteTimeSpan ? -1 : (int)Math.Clamp(timeout.TotalMilliseconds, 0, int.MaxValue);
        var events = stackalloc EpollEvent[2];
        while (!cancellationToken.IsCancellationRequested)
        {
            int n;
            var addRef = false;
            _epoll.DangerousAddRef(ref addRef);
            try
            {
                n = LibC.EpollWait((int)_epoll.DangerousGetHandle(), events, 2, timeoutMs);
            }
            finally
            {
                _epoll.DangerousRelease();
            }
            if (n < 0)
            {
                var errno = LibBpf.LastErrno();
                if (errno == Errno.EINTR)
                    continue;
                throw BpfException.FromErrno($"wait on ring buffer '{Name}'", errno);
            }
            if (n == 0)
                return false;
            DrainWakeup();
            return !cancellationToken.IsCancellationRequested;
        }
        return false;
    }

    /// <summary>
    /// Consumes records on a dedicated thread until <paramref name="cancellationToken"/> is cancelled,
    /// sleeping in epoll between bursts. The task ends cancelled; an exception from the handler ends it faulted.
    /// </summary>
    public Task RunAsync(RingBufferRecordHandler handler, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(handler);
        return RunAsync(new DelegateHandler(handler), cancellationToken);
    }

    /// <summary>The consumption loop behind every RunAsync, specialized for the handler type.</summary>
    internal Task RunAsync<THandler>(THandler handler, CancellationToken cancellationToken) where THandler : IRingBufferHandler
        => Task.Factory.StartNew(() =>
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                Consume(ref handler);
                Wait(Timeout.InfiniteTimeSpan, cancellationToken);
            }
            Consume(ref handler);
            cancellationToken.ThrowIfCancellationRequested();
        }, cancellationToken, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    /// <summary>Unmaps the ring and closes the epoll instance; a running <see cref="Consume{THandler}"/> finishes first.</summary>
    public void Dispose()
    {
        _mapping.Dispose();
        _wakeup?.Dispose();
        _epoll?.Dispose();
    }

    private string Describe() => _description;

    private void Watch(int fd)
    {
        var ev = new EpollEvent { Events = LibC.EPOLLIN, Data = (ulong)fd };
        if (LibC.EpollCtl((int)_epoll.DangerousGetHandle(), LibC.EPOLL_CTL_ADD, fd, &ev) != 0)
            throw BpfException.FromLastError($"watch ring buffer '{Name}' with epoll");
    }

    private void Wake()
    {
        ulong one = 1;
        if (!_wakeup.IsClosed)
            LibC.Write((int)_wakeup.DangerousGetHandle(), &one, sizeof(ulong));
    }

    private void DrainWakeup()
    {
        ulong value;
        LibC.Read((int)_wakeup.DangerousGetHandle(), &value, sizeof(ulong));
    }

    private static SafeFileHandle NewFd(int fd, string what)
    {
        if (fd < 0)
            throw BpfException.FromLastError(what);
        return new SafeFileHandle(fd, ownsHandle: true);
    }

    private readonly struct DelegateHandler(RingBufferRecordHandler handler) : IRingBufferHandler
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void OnRecord(ReadOnlySpan<byte> record) => handler(record);
    }
}
