using System.Runtime.InteropServices;

namespace XMonitor.Bpf.Interop;

/// <summary>Owns a libbpf <c>struct bpf_object *</c>; release closes it with <c>bpf_object__close</c>,
/// which also closes the fds of its programs and maps.</summary>
internal sealed class BpfObjectHandle : SafeHandle
{
    public BpfObjectHandle() : base(0, ownsHandle: true)
    {
    }

    internal BpfObjectHandle(nint obj) : base(0, ownsHandle: true) => SetHandle(obj);

    public override bool IsInvalid => handle == 0;

    protected override bool ReleaseHandle()
    {
        LibBpf.ObjectClose(handle);
        return true;
    }
}
