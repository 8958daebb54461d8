using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace XMonitor.Bpf.Prometheus;

/// <summary>Registers the metrics registry (and, when asked, the standalone listener) with dependency injection.</summary>
public static class XMonitorMetricsServiceCollectionExtensions
{
    /// <summary>
    /// Adds <see cref="XMonitorMetricsRegistry"/> as a singleton holding every <see cref="IBpfMetricsCollector"/>
    /// registered in the container (probes that start later add themselves with <see cref="XMonitorMetricsRegistry.Add"/>),
    /// and a hosted service that runs <see cref="XMonitorMetricsListener"/> when <see cref="XMonitorMetricsOptions.Listen"/> is on.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configure">Sets the options; also bindable from configuration with <c>services.Configure</c>.</param>
    public static IServiceCollection AddXMonitorMetrics(this IServiceCollection services, Action<XMonitorMetricsOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var optionsBuilder = services.AddOptions<XMonitorMetricsOptions>();
        if (configure is not null)
            optionsBuilder.Configure(configure);
        optionsBuilder.Validate(o =>
        {
            o.Validate();
            return true;
        });
        services.TryAddSingleton(provider =>
        {
            var registry = new XMonitorMetricsRegistry(
                provider.GetRequiredService<IOptions<XMonitorMetricsOptions>>().Value,
                provider.GetService<ILogger<XMonitorMetricsRegistry>>());
            foreach (var collector in provider.GetServices<IBpfMetricsCollector>())
                registry.Add(collector);
            return registry;
        });
        services.AddHostedService<XMonitorMetricsListenerService>();
        return services;
    }
}
