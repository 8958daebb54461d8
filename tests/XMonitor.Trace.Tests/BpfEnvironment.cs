using XMonitor.Bpf;

namespace XMonitor.Trace.Tests;

/// <summary>
/// Decides whether tests that load BPF programs can run here (a copy of the Core tests' helper).
/// Where they cannot, they skip with the reason, except under XMONITOR_REQUIRE_BPF=1 (set by
/// .ci/run), where that is a failure.
/// </summary>
internal static class BpfEnvironment
{
    private static readonly Lazy<string?> MissingReason = new(FindMissing);

    public static void Require()
    {
        if (MissingReason.Value is not { } reason)
            return;
        if (Environment.GetEnvironmentVariable("XMONITOR_REQUIRE_BPF") == "1")
            Assert.Fail($"XMONITOR_REQUIRE_BPF=1 but eBPF cannot run here: {reason}");
        Assert.Skip($"eBPF cannot run here: {reason}");
    }

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
            return "tracefs is not mounted (mount -t tracefs nodev /sys/kernel/tracing)";
        return null;
    }
}
