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
