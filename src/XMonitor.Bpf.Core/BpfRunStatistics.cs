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
    public static IDisposable Enable()
    {
        var fd = LibBpf.EnableStats(BpfStatsRunTime);
        if (fd < 0)
            throw BpfException.FromLastError("enable BPF run statistics");
        return new SafeFileHandle(fd, ownsHandle: true);
    }
}
