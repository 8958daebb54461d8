namespace XMonitor.Bpf;

/// <summary>What the process is allowed to do, read from /proc/self/status.</summary>
internal static class Privileges
{
    private static readonly Lazy<ulong> EffectiveCaps = new(ReadEffectiveCaps);

    internal const int CAP_SYS_ADMIN = 21;
    internal const int CAP_PERFMON = 38;
    internal const int CAP_BPF = 39;

    /// <summary>True when the effective capabilities allow loading and attaching tracing programs.</summary>
    internal static bool CanUseBpf => HasCapability(CAP_SYS_ADMIN) || (HasCapability(CAP_BPF) && HasCapability(CAP_PERFMON));

    internal static bool HasCapability(int cap) => (EffectiveCaps.Value & (1UL << cap)) != 0;

    /// <summary>
    /// kernel.perf_event_paranoid when it is above 2 and the process lacks CAP_SYS_ADMIN, else null.
    /// Level 3 is a Debian and Ubuntu kernel patch that leaves perf_event_open (classic tracepoints,
    /// kprobes and uprobes attach through it) to CAP_SYS_ADMIN, whatever CAP_PERFMON says.
    /// </summary>
    internal static int? PerfEventParanoidBlocking()
    {
        if (HasCapability(CAP_SYS_ADMIN))
            return null;
        try
        {
            var level = int.Parse(File.ReadAllText("/proc/sys/kernel/perf_event_paranoid").Trim(), System.Globalization.CultureInfo.InvariantCulture);
            return level > 2 ? level : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
        {
            return null;
        }
    }

    private static ulong ReadEffectiveCaps()
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith("CapEff:", StringComparison.Ordinal))
                return Convert.ToUInt64(line[7..].Trim(), 16);
        }
        return 0;
    }
}
