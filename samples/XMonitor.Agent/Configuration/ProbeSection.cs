using XMonitor.Bpf.Probes;

namespace XMonitor.Agent.Configuration;

/// <summary>A probe's section: whether it runs and the options object it runs with.</summary>
internal sealed record ProbeSection
{
    /// <summary>The section name, such as <c>cpu_sched</c>.</summary>
    public required string Name { get; init; }

    /// <summary>Whether the probe is started.</summary>
    public required bool Enabled { get; init; }

    /// <summary>The probe's options class (for example <c>CpuSchedOptions</c>), filled from the section.</summary>
    public required ProbeOptions Options { get; init; }

    /// <summary>Every setting in a canonical form: two sections with the same fingerprint run the same probe, so a reload leaves it alone.</summary>
    public required string Fingerprint { get; init; }

    /// <summary>The options as key/value pairs with the file's key names, for /probes.</summary>
    public required IReadOnlyDictionary<string, string?> Settings { get; init; }
}
