using Microsoft.Extensions.DependencyInjection;

namespace XMonitor.Bpf.Probes.FsLatency;

/// <summary>Registers the file-system latency probe with dependency injection.</summary>
public static class FsLatencyServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="FsLatencyOptions"/> (configured by <paramref name="configure"/>, validated
    /// when the host starts), a singleton <see cref="FsLatencyProbe"/>, and a hosted service that starts
    /// the probe with the host and detaches it when the host stops. Subscribe to the probe's
    /// observables from any service that takes it as a dependency.
    /// </summary>
    /// <example>
    /// <code>
    /// builder.Services.AddFsLatencyProbe(o =>
    /// {
    ///     o.FileSystemType = "nfs4";
    ///     o.SlowThreshold = TimeSpan.FromMilliseconds(50);
    /// });
    /// </code>
    /// </example>
    public static IServiceCollection AddFsLatencyProbe(this IServiceCollection services, Action<FsLatencyOptions>? configure = null)
        => services.AddProbe<FsLatencyProbe, FsLatencyOptions>(configure, (options, logger) => new(options, logger));
}
