using System.Runtime.InteropServices;

namespace XMonitor.Bpf.Tests;

/// <summary><see cref="BpfRunStatistics.Enable"/> and the privilege the kernel asks for it.</summary>
public sealed unsafe partial class RunStatisticsTests
{
    private const uint LinuxCapabilityVersion3 = 0x20080522;
    private const int CapSysAdmin = 21;

    [Fact]
    public void Enabling_run_statistics_without_CAP_SYS_ADMIN_names_it()
    {
        BpfEnvironment.Require();
        using (BpfRunStatistics.Enable())
        {
            // With CAP_SYS_ADMIN (this process) the kernel hands out the statistics fd.
        }

        // Capabilities are per thread: one thread drops CAP_SYS_ADMIN from its effective set (and
        // keeps it permitted, to take it back), which is a process with CAP_BPF and CAP_PERFMON only.
        Exception? thrown = null;
        var thread = new Thread(() =>
        {
            var header = new CapHeader { Version = LinuxCapabilityVersion3 };
            var data = stackalloc CapData[2];
            Assert.Equal(0, CapGet(&header, data));
            var effective = data[0].Effective;
            data[0].Effective &= ~(1u << CapSysAdmin);
            Assert.Equal(0, CapSet(&header, data));
            try
            {
                thrown = Record.Exception(() => BpfRunStatistics.Enable().Dispose());
            }
            finally
            {
                data[0].Effective = effective;
                CapSet(&header, data);
            }
        });
        thread.Start();
        thread.Join();

        var permission = Assert.IsType<BpfPermissionException>(thrown);
        Assert.Equal(Errno.EPERM, permission.Errno);
        Assert.Equal("enable BPF run statistics: Operation not permitted (EPERM). BPF_ENABLE_STATS needs CAP_SYS_ADMIN (CAP_BPF is not enough); " +
            "without it, turn the statistics on for the whole machine with sysctl kernel.bpf_stats_enabled=1", permission.Message);
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct CapHeader
    {
        public uint Version;
        public int Pid;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct CapData
    {
        public uint Effective;
        public uint Permitted;
        public uint Inheritable;
    }

    [LibraryImport("libc", EntryPoint = "capget", SetLastError = true)]
    private static partial int CapGet(CapHeader* header, CapData* data);

    [LibraryImport("libc", EntryPoint = "capset", SetLastError = true)]
    private static partial int CapSet(CapHeader* header, CapData* data);
}
