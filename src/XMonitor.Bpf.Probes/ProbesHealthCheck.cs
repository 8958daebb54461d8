using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace XMonitor.Bpf.Probes;

/// <summary>
/// The health of every probe the host registered: healthy while all run; the failure status (by
/// default unhealthy) when one failed to start; degraded when one is unsupported by the kernel,
/// still starting, or running with errors. The description names each probe that is not running
/// and why; the data holds every probe's state and reason by name.
/// </summary>
internal sealed class ProbesHealthCheck(IEnumerable<Probe> probes) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var data = new Dictionary<string, object>();
        var problems = new List<string>();
        var status = HealthStatus.Healthy;
        foreach (var probe in probes)
        {
            var state = probe.State;
            var reason = probe.StateReason;
            data[probe.Name] = reason is null ? state.ToString() : $"{state}: {reason}";
            var probeStatus = state switch
            {
                ProbeState.Running => HealthStatus.Healthy,
                ProbeState.Failed or ProbeState.Stopped => context.Registration.FailureStatus,
                _ => HealthStatus.Degraded,
            };
            if (probeStatus == HealthStatus.Healthy)
                continue;
            problems.Add($"{probe.Name} {state.ToString().ToLowerInvariant()}{(reason is null ? "" : $": {reason}")}");
            if (probeStatus < status)
                status = probeStatus;
        }
        var description = problems.Count == 0 ? $"{data.Count} probe{(data.Count == 1 ? "" : "s")} running" : string.Join("; ", problems);
        return Task.FromResult(new HealthCheckResult(status, description, data: data));
    }
}
