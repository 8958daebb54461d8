using System.Runtime.ExceptionServices;
using System.Runtime.InteropServices;
using XMonitor.Bpf.Interop;

namespace XMonitor.Bpf;

/// <summary>
/// Reads a <c>BPF_MAP_TYPE_PERF_EVENT_ARRAY</c> map (per-CPU perf buffers), the way to stream
/// events on kernels older than 5.8, which lack the ring buffer. Built on libbpf's perf_buffer; a
/// sample is handed out as a span valid during the handler call. Samples the kernel dropped
/// because a buffer was full are counted in <see cref="LostSamples"/>.
/// </summary>
public sealed unsafe class BpfPerfEventArray : IDisposable
{
    private readonly PerfBufferHandle _buffer;
    private GCHandle _self;
    private PerfEventRecordHandler? _handler;
    private ExceptionDispatchInfo? _handlerFailure;
    private int _handled;
    private long _lost;

    /// <summary>Opens per-CPU buffers of <paramref name="pagesPerCpu"/> pages (a power of two) for <paramref name="map"/>.</summary>
    /// <exception cref="ArgumentException">The map is not a perf event array.</exception>
    public BpfPerfEventArray(BpfMap map, int pagesPerCpu = 64)
    {
        ArgumentNullException.ThrowIfNull(map);
        if (map.Type != BpfMapType.PerfEventArray)
            throw new ArgumentException($"map '{map.Name}' is a {map.Type} map, not a perf event array", nameof(map));
        if (pagesPerCpu <= 0 || (pagesPerCpu & (pagesPerCpu - 1)) != 0)
            throw new ArgumentOutOfRangeException(nameof(pagesPerCpu), pagesPerCpu, "must be a power of two");
        Name = map.Name;
        _self = GCHandle.Alloc(this);
        using var lease = map.Lease();
        var pb = LibBpf.PerfBufferNew(map.Fd, (nuint)pagesPerCpu, &OnSample, &OnLost, (void*)GCHandle.ToIntPtr(_self), null);
        if (pb == 0)
        {
            var errno = LibBpf.LastErrno();
            _self.Free();
            throw BpfException.FromErrno($"open perf buffers of map '{Name}'", errno);
        }
        _buffer = new PerfBufferHandle(pb);
    }

    /// <summary>The map's name.</summary>
    public string Name { get; }

    /// <summary>Samples the kernel dropped because a CPU's buffer was full.</summary>
    public long LostSamples => Interlocked.Read(ref _lost);

    /// <summary>Waits up to <paramref name="timeout"/> for samples and hands them to <paramref name="handler"/>.</summary>
    /// <returns>The number of samples handled.</returns>
    public int Poll(PerfEventRecordHandler handler, TimeSpan timeout)
    {
        var ms = timeout == Timeout.InfiniteTimeSpan ? -1 : (int)Math.Clamp(timeout.TotalMilliseconds, 0, int.MaxValue);
        return Run(handler, pb => LibBpf.PerfBufferPoll(pb, ms), "poll");
    }

    /// <summary>Hands every waiting sample to <paramref name="handler"/> without waiting.</summary>
    /// <returns>The number of samples handled.</returns>
    public int Consume(PerfEventRecordHandler handler) => Run(handler, LibBpf.PerfBufferConsume, "consume");

    /// <summary>Polls on a dedicated thread until <paramref name="cancellationToken"/> is cancelled (checked every 100 ms).</summary>
    public Task RunAsync(PerfEventRecordHandler handler, CancellationToken cancellationToken)
        => Task.Factory.StartNew(() =>
        {
            while (!cancellationToken.IsCancellationRequested)
                Poll(handler, TimeSpan.FromMilliseconds(100));
            cancellationToken.ThrowIfCancellationRequested();
        }, cancellationToken, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    /// <summary>Frees the perf buffers.</summary>
    public void Dispose()
    {
        _buffer.Dispose();
        if (_self.IsAllocated)
            _self.Free();
    }

    private int Run(PerfEventRecordHandler handler, Func<nint, int> call, string what)
    {
        ArgumentNullException.ThrowIfNull(handler);
        using var lease = new HandleLease(_buffer, $"perf event array '{Name}'");
        _handler = handler;
        _handled = 0;
        try
        {
            var rc = call(lease.Pointer);
            // A handler exception cannot cross libbpf's C frames; it was parked and is rethrown here.
            _handlerFailure?.Throw();
            if (rc < 0 && -rc != Errno.EINTR)
                throw BpfException.FromErrno($"{what} perf event array '{Name}'", -rc);
            return _handled;
        }
        finally
        {
            _handler = null;
            _handlerFailure = null;
        }
    }

    [UnmanagedCallersOnly]
    private static void OnSample(void* ctx, int cpu, void* data, uint size)
    {
        var self = (BpfPerfEventArray)GCHandle.FromIntPtr((nint)ctx).Target!;
        if (self._handlerFailure is not null || self._handler is null)
            return;
        try
        {
            self._handler(cpu, new ReadOnlySpan<byte>(data, (int)size));
            self._handled++;
        }
        catch (Exception e)
        {
            self._handlerFailure = ExceptionDispatchInfo.Capture(e);
        }
    }

    [UnmanagedCallersOnly]
    private static void OnLost(void* ctx, int cpu, ulong count)
    {
        var self = (BpfPerfEventArray)GCHandle.FromIntPtr((nint)ctx).Target!;
        Interlocked.Add(ref self._lost, (long)count);
    }
}
