using System.Runtime.InteropServices;

namespace XMonitor.Bpf.Interop;

/// <summary>Owns a libbpf <c>struct bpf_link *</c>; release detaches it with <c>bpf_link__destroy</c>.</summary>
internal sealed class BpfLinkHandle : SafeHandle
{
    internal BpfLinkHandle(nint link) : base(0, ownsHandle: true) => SetHandle(link);

    public override bool IsInvalid => handle == 0;

    protected override bool ReleaseHandle()
    {
        LibBpf.LinkDestroy(handle);
        return true;
    }
}
