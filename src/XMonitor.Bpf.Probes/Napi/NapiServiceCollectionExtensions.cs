using Microsoft.Extensions.DependencyInjection;

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
        => services.AddProbe<NapiProbe, NapiOptions>(configure, (options, logger) => new(options, logger));
}
