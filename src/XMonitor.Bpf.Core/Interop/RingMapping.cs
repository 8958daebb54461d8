using System.Runtime.InteropServices;

namespace XMonitor.Bpf.Interop;

/// <summary>Owns a ring buffer's two memory mappings (consumer page; producer page and data);
/// release unmaps both, after every reader holding a reference is done.</summary>
internal sealed class RingMapping : SafeHandle
{
    private readonly nuint _consumerLength;
    private readonly nint _producer;
    private readonly nuint _producerLength;

    internal RingMapping(nint consumer, nuint consumerLength, nint producer, nuint producerLength)
        : base(0, ownsHandle: true)
    {
        SetHandle(consumer);
        _consumerLength = consumerLength;
        _producer = producer;
        _producerLength = producerLength;
    }

    public override bool IsInvalid => handle == 0;

    protected override bool ReleaseHandle()
    {
        LibC.Munmap(_producer, _producerLength);
        LibC.Munmap(handle, _consumerLength);
        return true;
    }
}
