using System.Runtime.InteropServices;

namespace XMonitor.Bpf.Interop;

/// <summary>Owns a libbpf <c>struct btf *</c> of its own (not an object's); release frees it with <c>btf__free</c>.</summary>
internal sealed class BtfHandle : SafeHandle
{
    internal BtfHandle(nint btf) : base(0, ownsHandle: true) => SetHandle(btf);

    public override bool IsInvalid => handle == 0;

    protected override bool ReleaseHandle()
    {
        LibBpf.BtfFree(handle);
        return true;
    }
}
