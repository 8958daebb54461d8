using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;
using XMonitor.Bpf.Interop;

namespace XMonitor.Bpf;

/// <summary>Turns on the kernel's per-program run statistics for as long as the caller holds the result.</summary>
public static class BpfRunStatistics
{
    private const int BpfStatsRunTime = 0;

    /// <summary>
    /// Enables run-time statistics (<c>BPF_ENABLE_STATS</c>); they stay on until the returned handle
    /// is disposed, independent of <c>kernel.bpf_stats_enabled</c>. Costs a few ns per program run.
    /// </summary>
    /// <exception cref="BpfPermissionException">The process lacks CAP_SYS_ADMIN, which the kernel requires for <c>BPF_ENABLE_STATS</c> (CAP_BPF is not enough).</exception>
    public static IDisposable Enable()
    {
        var fd = LibBpf.EnableStats(BpfStatsRunTime);
        if (fd < 0 && Marshal.GetLastSystemError() is Errno.EPERM or Errno.EACCES)
            throw new BpfPermissionException("enable BPF run statistics", Errno.EPERM,
                "BPF_ENABLE_STATS needs CAP_SYS_ADMIN (CAP_BPF is not enough); without it, turn the statistics on for the whole machine with sysctl kernel.bpf_stats_enabled=1");
        if (fd < 0)
            throw BpfException.FromLastError("enable BPF run statistics");
        return new SafeFileHandle(fd, ownsHandle: true);
    }
}
