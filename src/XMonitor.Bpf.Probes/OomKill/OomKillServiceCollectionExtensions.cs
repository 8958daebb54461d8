using Microsoft.Extensions.DependencyInjection;

namespace XMonitor.Bpf.Probes.OomKill;

/// <summary>Registers the OOM kill probe with dependency injection.</summary>
public static class OomKillServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="OomKillOptions"/> (configured by <paramref name="configure"/>, validated
    /// when the host starts), a singleton <see cref="OomKillProbe"/>, and a hosted service that starts
    /// the probe with the host and detaches it when the host stops. Subscribe to
    /// <see cref="OomKillProbe.Events"/> from any service that takes the probe as a dependency.
    /// </summary>
    /// <example>
    /// <code>
    /// builder.Services.AddOomKillProbe(o => o.ResolveCgroupPaths = true);
    /// </code>
    /// </example>
    public static IServiceCollection AddOomKillProbe(this IServiceCollection services, Action<OomKillOptions>? configure = null)
        => services.AddProbe<OomKillProbe, OomKillOptions>(configure, (options, logger) => new(options, logger));
}
