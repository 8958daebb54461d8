using XMonitor.Agent.Probes;

namespace XMonitor.Agent.Http;

/// <summary>The body of /probes.</summary>
/// <param name="Config">The configuration file's full path.</param>
/// <param name="CapabilitiesDropped">Whether the agent dropped its capabilities after attaching.</param>
/// <param name="Probes">Every configured probe.</param>
internal sealed record ProbesDocument(string Config, bool CapabilitiesDropped, IReadOnlyList<ProbeStatus> Probes);
