using Microsoft.Extensions.DependencyInjection;

namespace XMonitor.Bpf.Probes.ProcessVm;

/// <summary>Registers the process address-space probe with dependency injection.</summary>
public static class ProcessVmServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="ProcessVmOptions"/> (configured by <paramref name="configure"/>, validated
    /// when the host starts), a singleton <see cref="ProcessVmProbe"/>, and a hosted service that starts
    /// the probe with the host and detaches it when the host stops. Subscribe to the probe's
    /// observables from any service that takes it as a dependency.
    /// </summary>
    /// <example>
    /// <code>
    /// builder.Services.AddProcessVmProbe(o =>
    /// {
    ///     o.Interval = TimeSpan.FromSeconds(10);
    ///     o.Filter = ProcessFilter.Cgroup("/sys/fs/cgroup/unified/my.slice");
    ///     o.AllocationThresholdBytes = 64 &lt;&lt; 20;
    /// });
    /// </code>
    /// </example>
    public static IServiceCollection AddProcessVmProbe(this IServiceCollection services, Action<ProcessVmOptions>? configure = null)
        => services.AddProbe<ProcessVmProbe, ProcessVmOptions>(configure, (options, logger) => new(options, logger));
}
