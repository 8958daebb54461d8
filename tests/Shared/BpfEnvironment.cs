using System.Runtime.InteropServices;
using XMonitor.Bpf;

namespace XMonitor.Bpf.Testing;

/// <summary>
/// Decides whether tests that load BPF programs can run here. Where they cannot, they skip with
/// the reason, except under XMONITOR_REQUIRE_BPF=1 (set by .ci/run), where that is a failure.
/// Linked into every test project from tests/Shared.
/// </summary>
internal static partial class BpfEnvironment
{
    private static readonly Lazy<string?> MissingReason = new(FindMissing);

    /// <summary>Skips (or fails under XMONITOR_REQUIRE_BPF=1) unless eBPF programs can load and attach here.</summary>
    public static void Require()
    {
        if (MissingReason.Value is { } reason)
            Fail(reason);
    }

    /// <summary>Skips, or fails under XMONITOR_REQUIRE_BPF=1, for a prerequisite of the test machine that is missing.</summary>
    public static void Fail(string reason)
    {
        if (Environment.GetEnvironmentVariable("XMONITOR_REQUIRE_BPF") == "1")
            Assert.Fail($"XMONITOR_REQUIRE_BPF=1 but eBPF cannot run here: {reason}");
        Assert.Skip($"eBPF cannot run here: {reason}");
    }

    /// <summary>The calling thread's kernel task id, which BPF sees as the low half of pid_tgid.</summary>
    public static uint CurrentTid => (uint)GetTid();

    [LibraryImport("libc", EntryPoint = "gettid")]
    public static partial int GetTid();

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
            return "tracefs is not mounted (mount -t tracefs nodev /sys/kernel/tracing)";
        return null;
    }
}
