using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace XMonitor.Bpf.Probes;

/// <summary>Adds the probes' health check to ASP.NET Core's (or any host's) health checks.</summary>
public static class ProbeHealthCheckBuilderExtensions
{
    /// <summary>
    /// Adds one check over every probe registered with the host (<c>AddCacheStatProbe</c> and the
    /// others): healthy while all run; <paramref name="failureStatus"/> when one failed to start;
    /// degraded when one is unsupported by the kernel, starting, or running with errors. The
    /// description names each probe that is not running and why.
    /// </summary>
    /// <example>
    /// <code>
    /// builder.Services.AddCacheStatProbe();
    /// builder.Services.AddHealthChecks().AddProbes();
    /// app.MapHealthChecks("/healthz");
    /// </code>
    /// </example>
    public static IHealthChecksBuilder AddProbes(this IHealthChecksBuilder builder, string name = "xmonitor-probes",
        HealthStatus failureStatus = HealthStatus.Unhealthy, IEnumerable<string>? tags = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.Add(new HealthCheckRegistration(name,
            sp => new ProbesHealthCheck(sp.GetServices<Probe>()),
            failureStatus, tags));
    }
}
