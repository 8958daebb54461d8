using System.Runtime.InteropServices;

namespace XMonitor.Bpf.Interop;

/// <summary>Owns a libbpf <c>struct perf_buffer *</c>; release frees it with <c>perf_buffer__free</c>.</summary>
internal sealed class PerfBufferHandle : SafeHandle
{
    internal PerfBufferHandle(nint pb) : base(0, ownsHandle: true) => SetHandle(pb);

    public override bool IsInvalid => handle == 0;

    protected override bool ReleaseHandle()
    {
        LibBpf.PerfBufferFree(handle);
        return true;
    }
}
