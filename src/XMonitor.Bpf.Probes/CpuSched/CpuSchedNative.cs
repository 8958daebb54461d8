using System.Runtime.InteropServices;

namespace XMonitor.Bpf.Probes.CpuSched;

/// <summary>
/// C# mirrors of the structs in bpf/cpusched.h and bpf/include/xmonitor/xm_hist.h, written by hand
/// until the BTF-driven skeleton generator replaces them. CpuSchedNativeLayoutTests compares every
/// size and field offset with the BTF of the embedded object, so a change on the C side that is not
/// made here fails a test instead of misreading kernel data.
/// </summary>
internal static class CpuSchedNative
{
    /// <summary>Slots of <c>struct xm_hist</c> (<c>XM_MAX_SLOTS</c>).</summary>
    public const int MaxSlots = 32;

    /// <summary>Length of <c>cpusched_event.comm</c> (<c>CPUSCHED_COMM_LEN</c>).</summary>
    public const int CommLength = 16;

    /// <summary><c>struct cpusched_hist_key</c>: key of the <c>runq_hists</c> map.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct HistKey
    {
        public ulong Id;
    }

    /// <summary><c>struct xm_hist</c>: value of the <c>runq_hists</c> map.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public unsafe struct Hist
    {
        public fixed ulong Slots[MaxSlots];
        public ulong Sum;
        public ulong Count;
    }

    /// <summary><c>struct cpusched_event</c>: a record of the <c>events</c> ring buffer.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public unsafe struct Event
    {
        public uint Flags;
        public uint Pid;
        public uint Tgid;
        public uint State;
        public ulong CgroupId;
        public ulong DurationNs;
        public fixed byte Comm[CommLength];
    }

    /// <summary><c>enum cpusched_event_flags</c>.</summary>
    [Flags]
    public enum EventFlags : uint
    {
        OffCpu = 1,
        Hung = 2,
    }
}
