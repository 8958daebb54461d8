using System.Globalization;
using System.Runtime.InteropServices;

namespace XMonitor.Agent.Security;

/// <summary>
/// The Linux capabilities the agent needs, the check at start, and the optional drop after the
/// probes are attached (as ebpf_exporter does): without CAP_BPF and CAP_PERFMON a compromised
/// agent can load no program, while the links and maps it holds keep working.
/// </summary>
internal static partial class Capabilities
{
    /// <summary>CAP_SYS_ADMIN: on kernels before 5.8 the only way to load programs; later it still implies the two below, and BPF_ENABLE_STATS takes it.</summary>
    public const int SysAdmin = 21;

    /// <summary>CAP_DAC_READ_SEARCH: a non-root agent reads tracefs (mode 0700) with it, to attach tracepoints.</summary>
    public const int DacReadSearch = 2;

    /// <summary>CAP_DAC_OVERRIDE: includes <see cref="DacReadSearch"/>.</summary>
    public const int DacOverride = 1;

    /// <summary>CAP_PERFMON (Linux 5.8+): tracing programs and perf events.</summary>
    public const int Perfmon = 38;

    /// <summary>CAP_BPF (Linux 5.8+): the bpf() syscall's privileged commands.</summary>
    public const int Bpf = 39;

    private const uint LinuxCapabilityVersion3 = 0x20080522;

    /// <summary>The effective set of the calling process's main thread, from <c>/proc/self/status</c>.</summary>
    public static ulong Effective() => ReadSet("/proc/self/status", "CapEff:");

    /// <summary>
    /// The capabilities the agent lacks to load its probes, by name; empty when it has them. CAP_SYS_ADMIN
    /// stands in for both, as the kernel's bpf_capable() and perfmon_capable() accept it.
    /// </summary>
    public static IReadOnlyList<string> Missing(ulong effective)
    {
        if (Has(effective, SysAdmin))
            return [];
        var missing = new List<string>();
        if (!Has(effective, Bpf))
            missing.Add("CAP_BPF");
        if (!Has(effective, Perfmon))
            missing.Add("CAP_PERFMON");
        return missing;
    }

    /// <summary>
    /// Whether <c>metrics.enable_run_statistics</c> can work: the kernel's <c>BPF_ENABLE_STATS</c>
    /// takes CAP_SYS_ADMIN, not CAP_BPF (measured: EPERM as root with CAP_BPF and CAP_PERFMON only).
    /// </summary>
    public static bool CanEnableRunStatistics(ulong effective) => Has(effective, SysAdmin);

    /// <summary>
    /// What some probes need besides <see cref="Missing"/>, measured on Linux 6.18: a non-root user
    /// reads tracefs (mode 0700, root's), where libbpf resolves tracepoints, only with CAP_DAC_READ_SEARCH.
    /// </summary>
    public static IReadOnlyList<string> Warnings(ulong effective, bool root)
    {
        if (root || Has(effective, DacReadSearch) || Has(effective, DacOverride))
            return [];
        return ["not root and no CAP_DAC_READ_SEARCH: tracefs (/sys/kernel/tracing) is unreadable, so probes attached to tracepoints (process_vm, fs_latency here) cannot attach"];
    }

    /// <summary>
    /// Clears the effective, permitted and inheritable sets of the calling thread with capset(2).
    /// Linux keeps capabilities per thread: call this on the main thread (whose set
    /// <c>/proc/self/status</c> shows and from which later threads inherit); threads that already
    /// exist keep theirs, which <see cref="ThreadsWithCapabilities"/> counts.
    /// </summary>
    /// <exception cref="IOException">capset failed (the message has the errno).</exception>
    public static unsafe void DropAll()
    {
        var header = new CapUserHeader { Version = LinuxCapabilityVersion3, Pid = 0 };
        var data = stackalloc CapUserData[2];
        data[0] = default;
        data[1] = default;
        if (Capset(&header, data) != 0)
            throw new IOException($"capset failed: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}");
    }

    /// <summary>How many of the process's threads still have a non-empty effective set.</summary>
    public static int ThreadsWithCapabilities()
    {
        var count = 0;
        foreach (var task in Directory.EnumerateDirectories("/proc/self/task"))
        {
            try
            {
                if (ReadSet(Path.Combine(task, "status"), "CapEff:") != 0)
                    count++;
            }
            catch (IOException)
            {
                // The thread exited while we looked.
            }
        }
        return count;
    }

    /// <summary>Whether the agent runs with effective user id 0 (which owns tracefs, so needs no DAC capability for it).</summary>
    public static bool IsRoot => Geteuid() == 0;

    private static bool Has(ulong set, int capability) => (set & (1UL << capability)) != 0;

    private static ulong ReadSet(string statusPath, string field)
    {
        var line = File.ReadLines(statusPath).FirstOrDefault(l => l.StartsWith(field, StringComparison.Ordinal))
            ?? throw new IOException($"{statusPath} has no {field} line");
        return ulong.Parse(line.AsSpan(field.Length).Trim(), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
    }

    [LibraryImport("libc", EntryPoint = "geteuid")]
    private static partial uint Geteuid();

    [LibraryImport("libc", EntryPoint = "capset", SetLastError = true)]
    private static unsafe partial int Capset(CapUserHeader* header, CapUserData* data);

    [StructLayout(LayoutKind.Sequential)]
    private struct CapUserHeader
    {
        public uint Version;
        public int Pid;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct CapUserData
    {
        public uint Effective;
        public uint Permitted;
        public uint Inheritable;
    }
}
