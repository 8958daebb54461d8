using System.Runtime.InteropServices;

namespace XMonitor.Bpf.Prometheus.Tests;

/// <summary>
/// Whether tests that load BPF programs can run here: they skip with the reason where they cannot,
/// except under XMONITOR_REQUIRE_BPF=1 (set by .ci/run), where that is a failure.
/// </summary>
internal static partial class BpfEnvironment
{
    public static void Require()
    {
        if (FindMissing() is not { } reason)
            return;
        if (Environment.GetEnvironmentVariable("XMONITOR_REQUIRE_BPF") == "1")
            Assert.Fail($"XMONITOR_REQUIRE_BPF=1 but eBPF cannot run here: {reason}");
        Assert.Skip($"eBPF cannot run here: {reason}");
    }

    [LibraryImport("libc", EntryPoint = "gettid")]
    public static partial int GetTid();

    // Straight to the syscall each time: Environment.ProcessId caches the pid.
    [LibraryImport("libc", EntryPoint = "getpid")]
    public static partial int GetPid();

    private static string? FindMissing()
    {
        if (!OperatingSystem.IsLinux())
            return "not Linux";
        if (!File.Exists("/sys/kernel/btf/vmlinux"))
            return "the kernel has no BTF (/sys/kernel/btf/vmlinux)";
        var status = File.ReadAllLines("/proc/self/status").FirstOrDefault(l => l.StartsWith("CapEff:", StringComparison.Ordinal));
        var caps = status is null ? 0 : Convert.ToUInt64(status[7..].Trim(), 16);
        if ((caps & (1UL << 21)) == 0 && ((caps & (1UL << 39)) == 0 || (caps & (1UL << 38)) == 0))
            return "the process lacks CAP_BPF and CAP_PERFMON (run as root)";
        if (KernelFeatures.TracefsPath is null)
            return "tracefs is not mounted";
        return null;
    }
}
