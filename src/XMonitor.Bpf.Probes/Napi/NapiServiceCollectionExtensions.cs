using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace XMonitor.Bpf.Probes.Napi;

/// <summary>Registers the NAPI probe with dependency injection.</summary>
public static class NapiServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="NapiOptions"/> (configured by <paramref name="configure"/>, validated
    /// when the host starts), a singleton <see cref="NapiProbe"/>, and a hosted service that starts
    /// the probe with the host and detaches it when the host stops. Subscribe to the probe's
    /// observables from any service that takes it as a dependency.
    /// </summary>
    /// <example>
    /// <code>
    /// builder.Services.AddNapiProbe(o =>
    /// {
    ///     o.NetworkNamespace = 4026531840;
    ///     o.MeasurePollTime = true;
    /// });
    /// </code>
    /// </example>
    public static IServiceCollection AddNapiProbe(this IServiceCollection services, Action<NapiOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = services.AddOptions<NapiOptions>();
        if (configure is not null)
            options.Configure(configure);
        options.ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<NapiOptions>, NapiOptionsValidator>());
        services.TryAddSingleton(sp => new NapiProbe(
            sp.GetRequiredService<IOptions<NapiOptions>>().Value,
            sp.GetService<ILogger<NapiProbe>>()));
        services.AddHostedService<NapiHostedService>();
        return services;
    }
}
