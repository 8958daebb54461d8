using Microsoft.Extensions.DependencyInjection;

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
        => services.AddProbe<BioLatencyProbe, BioLatencyOptions>(configure, (options, logger) => new(options, logger));
}
