using XMonitor.Agent.Configuration;
using XMonitor.Agent.Events;
using XMonitor.Bpf.Prometheus;

namespace XMonitor.Agent.Probes;

/// <summary>
/// The agent's own series: which probes are enabled and running, how often they failed to start,
/// config reloads and events by type. A probe that cannot run on this kernel shows here (it has no
/// collector of its own to be reported down by).
/// </summary>
internal sealed class AgentMetricsCollector(ProbeManager probes, EventHub events, ReloadCounters reloads, Func<bool> capabilitiesDropped) : IBpfMetricsCollector
{
    private static readonly MetricFamily Enabled = new("xmonitor_agent_probe_enabled", MetricType.Gauge, "1 when the configuration enables the probe.", ["probe"]);
    private static readonly MetricFamily Running = new("xmonitor_agent_probe_running", MetricType.Gauge, "1 when the probe is attached and reporting, 0 when it is disabled, failed or unsupported.", ["probe"]);
    private static readonly MetricFamily Unsupported = new("xmonitor_agent_probe_unsupported", MetricType.Gauge, "1 when the kernel lacks what an enabled probe needs.", ["probe"]);
    private static readonly MetricFamily StartFailures = new("xmonitor_agent_probe_start_failures", MetricType.Counter, "Starts of the probe that failed (unsupported included).", ["probe"]);
    private static readonly MetricFamily Reloads = new("xmonitor_agent_config_reloads", MetricType.Counter, "Configuration reloads by result: applied, rejected (invalid file) or refused (capabilities dropped).", ["result"]);
    private static readonly MetricFamily EventCount = new("xmonitor_agent_events", MetricType.Counter, "Events received from the probes, by type.", ["type"]);
    private static readonly MetricFamily Dropped = new("xmonitor_agent_capabilities_dropped", MetricType.Gauge, "1 once the agent dropped its capabilities after attaching.");

    public string ProbeName => "Agent";

    public IReadOnlyList<MetricFamily> Families { get; } = [Enabled, Running, Unsupported, StartFailures, Reloads, EventCount, Dropped];

    public void Collect(MetricWriter writer, CancellationToken cancellationToken)
    {
        // The writer wants each family's samples together.
        var all = probes.Snapshot();
        var failures = probes.StartFailures;
        foreach (var probe in all)
            writer.Gauge(Enabled, [new("probe", probe.Name)], probe.Enabled ? 1 : 0);
        foreach (var probe in all)
            writer.Gauge(Running, [new("probe", probe.Name)], probe.State == ProbeState.Running ? 1 : 0);
        foreach (var probe in all)
            writer.Gauge(Unsupported, [new("probe", probe.Name)], probe.State == ProbeState.Unsupported ? 1 : 0);
        foreach (var probe in all)
            writer.Counter(StartFailures, [new("probe", probe.Name)], failures.GetValueOrDefault(probe.Name));
        writer.Counter(Reloads, [new("result", "applied")], reloads.Applied);
        writer.Counter(Reloads, [new("result", "rejected")], reloads.Rejected);
        writer.Counter(Reloads, [new("result", "refused")], reloads.Refused);
        foreach (var (type, count) in events.Counts)
            writer.Counter(EventCount, [new("type", type)], count);
        writer.Gauge(Dropped, [], capabilitiesDropped() ? 1 : 0);
    }
}
