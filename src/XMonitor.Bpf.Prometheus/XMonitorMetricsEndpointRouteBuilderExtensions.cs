using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace XMonitor.Bpf.Prometheus;

/// <summary>Maps the metrics endpoint into an ASP.NET Core application.</summary>
public static class XMonitorMetricsEndpointRouteBuilderExtensions
{
    /// <summary>
    /// Serves the registry of <see cref="XMonitorMetricsServiceCollectionExtensions.AddXMonitorMetrics"/>
    /// at <paramref name="pattern"/> (GET): text format 0.0.4, or OpenMetrics 1.0 when the Accept header prefers it.
    /// </summary>
    /// <returns>The endpoint's builder, for authorization, host filtering and the like.</returns>
    /// <exception cref="InvalidOperationException">AddXMonitorMetrics was not called.</exception>
    public static IEndpointConventionBuilder MapXMonitorMetrics(this IEndpointRouteBuilder endpoints, string pattern = "/metrics")
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var registry = endpoints.ServiceProvider.GetService<XMonitorMetricsRegistry>()
            ?? throw new InvalidOperationException("MapXMonitorMetrics needs services.AddXMonitorMetrics() first");
        return endpoints.MapGet(pattern, (HttpContext context) => MetricsResponder.RespondAsync(registry, context))
            .WithDisplayName("XMonitor metrics");
    }
}
