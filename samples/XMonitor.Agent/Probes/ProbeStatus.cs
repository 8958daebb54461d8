using XMonitor.Agent.Configuration;

namespace XMonitor.Agent.Probes;

/// <summary>A probe's entry of /probes.</summary>
/// <param name="Name">The section name.</param>
/// <param name="Enabled">Whether the configuration enables it.</param>
/// <param name="State">Where it is in its life.</param>
/// <param name="AttachStrategy">How its programs are attached, as the configuration names it (<c>btf_raw_tracepoint</c>), null unless running.</param>
/// <param name="AttachName">The strategy by its section prefixes (<c>tp_btf</c>, <c>tp+kprobe</c>), null unless running.</param>
/// <param name="AttachReason">Why the kernel got that strategy (what it offers and lacks), null unless running.</param>
/// <param name="AttachFailures">The strategies tried first that the kernel refused, each with its error (the runtime fallback).</param>
/// <param name="Error">Why it is not running, when it failed.</param>
/// <param name="Note">A remark on a running probe (nothing to measure yet...), or null.</param>
/// <param name="Programs">Its loaded programs and their kernel ids.</param>
/// <param name="Options">The options it runs with, as the file names them.</param>
/// <param name="StartedAt">When its current run started.</param>
/// <param name="Starts">How often it was started (1 + restarts by reloads).</param>
internal sealed record ProbeStatus(
    string Name,
    bool Enabled,
    ProbeState State,
    string? AttachStrategy,
    string? AttachName,
    string? AttachReason,
    IReadOnlyList<string> AttachFailures,
    string? Error,
    string? Note,
    IReadOnlyList<ProgramInfo> Programs,
    IReadOnlyDictionary<string, string?> Options,
    DateTimeOffset? StartedAt,
    int Starts)
{
    /// <summary>Counts against /healthz: enabled, supported by the kernel, and not running.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public bool IsUnhealthy => Enabled && State is not (ProbeState.Running or ProbeState.Unsupported);

    internal static ProbeStatus Of(ProbeSection section, ProbeState state) => new(section.Name, section.Enabled, state, null, null, null, [], null, null, [], section.Settings, null, 0);
}
