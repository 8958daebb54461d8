using Microsoft.Extensions.DependencyInjection;

namespace XMonitor.Bpf.Probes.CacheStat;

/// <summary>Registers the CacheStat probe with dependency injection.</summary>
public static class CacheStatServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="CacheStatOptions"/> (configured by <paramref name="configure"/>, validated
    /// when the host starts), a singleton <see cref="CacheStatProbe"/>, and a hosted service that
    /// starts the probe with the host and detaches it when the host stops. Subscribe to
    /// <see cref="CacheStatProbe.Samples"/> from any service that takes the probe as a dependency.
    /// </summary>
    /// <example>
    /// <code>
    /// builder.Services.AddCacheStatProbe(o =>
    /// {
    ///     o.Interval = TimeSpan.FromSeconds(5);
    ///     o.TopProcesses = 5;
    /// });
    /// </code>
    /// </example>
    public static IServiceCollection AddCacheStatProbe(this IServiceCollection services, Action<CacheStatOptions>? configure = null)
        => services.AddProbe<CacheStatProbe, CacheStatOptions>(configure, (options, logger) => new(options, logger));
}
