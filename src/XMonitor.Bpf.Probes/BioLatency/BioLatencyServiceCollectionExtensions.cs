using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace XMonitor.Bpf.Probes.BioLatency;

/// <summary>Registers the block I/O probe with dependency injection.</summary>
public static class BioLatencyServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="BioLatencyOptions"/> (configured by <paramref name="configure"/>, validated
    /// when the host starts), a singleton <see cref="BioLatencyProbe"/>, and a hosted service that starts
    /// the probe with the host and detaches it when the host stops. Subscribe to the probe's
    /// observables from any service that takes it as a dependency.
    /// </summary>
    /// <example>
    /// <code>
    /// builder.Services.AddBioLatencyProbe(o =>
    /// {
    ///     o.Disk = "nvme0n1";
    ///     o.SlowThreshold = TimeSpan.FromMilliseconds(50);
    /// });
    /// </code>
    /// </example>
    public static IServiceCollection AddBioLatencyProbe(this IServiceCollection services, Action<BioLatencyOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = services.AddOptions<BioLatencyOptions>();
        if (configure is not null)
            options.Configure(configure);
        options.ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<BioLatencyOptions>, BioLatencyOptionsValidator>());
        services.TryAddSingleton(sp => new BioLatencyProbe(
            sp.GetRequiredService<IOptions<BioLatencyOptions>>().Value,
            sp.GetService<ILogger<BioLatencyProbe>>()));
        services.AddHostedService<BioLatencyHostedService>();
        return services;
    }
}
