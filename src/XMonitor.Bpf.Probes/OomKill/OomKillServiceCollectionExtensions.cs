using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace XMonitor.Bpf.Probes.OomKill;

/// <summary>Registers the OOM kill probe with dependency injection.</summary>
public static class OomKillServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="OomKillOptions"/> (configured by <paramref name="configure"/>, validated
    /// when the host starts), a singleton <see cref="OomKillProbe"/>, and a hosted service that starts
    /// the probe with the host and detaches it when the host stops. Subscribe to
    /// <see cref="OomKillProbe.Kills"/> from any service that takes the probe as a dependency.
    /// </summary>
    /// <example>
    /// <code>
    /// builder.Services.AddOomKillProbe(o => o.ResolveCgroupPaths = true);
    /// </code>
    /// </example>
    public static IServiceCollection AddOomKillProbe(this IServiceCollection services, Action<OomKillOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = services.AddOptions<OomKillOptions>();
        if (configure is not null)
            options.Configure(configure);
        options.ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<OomKillOptions>, OomKillOptionsValidator>());
        services.TryAddSingleton(sp => new OomKillProbe(
            sp.GetRequiredService<IOptions<OomKillOptions>>().Value,
            sp.GetService<ILogger<OomKillProbe>>()));
        services.AddHostedService<OomKillHostedService>();
        return services;
    }
}
