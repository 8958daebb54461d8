using Microsoft.Extensions.DependencyInjection;

namespace XMonitor.Bpf.Probes.CpuSched;

/// <summary>Registers the CPU scheduling probe with dependency injection.</summary>
public static class CpuSchedServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="CpuSchedOptions"/> (configured by <paramref name="configure"/>, validated
    /// when the host starts), a singleton <see cref="CpuSchedProbe"/>, and a hosted service that starts
    /// the probe with the host and detaches it when the host stops. Subscribe to the probe's
    /// observables from any service that takes it as a dependency.
    /// </summary>
    /// <example>
    /// <code>
    /// builder.Services.AddCpuSchedProbe(o =>
    /// {
    ///     o.Interval = TimeSpan.FromSeconds(10);
    ///     o.Filter = ProcessFilter.Cgroup("/sys/fs/cgroup/unified/my.slice");
    /// });
    /// </code>
    /// </example>
    public static IServiceCollection AddCpuSchedProbe(this IServiceCollection services, Action<CpuSchedOptions>? configure = null)
        => services.AddProbe<CpuSchedProbe, CpuSchedOptions>(configure, (options, logger) => new(options, logger));
}
