using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using XMonitor.Bpf.Probes.BioLatency;
using XMonitor.Bpf.Probes.CacheStat;
using XMonitor.Bpf.Probes.CpuSched;
using XMonitor.Bpf.Probes.FsLatency;
using XMonitor.Bpf.Probes.Napi;
using XMonitor.Bpf.Probes.OomKill;
using XMonitor.Bpf.Probes.ProcessVm;

namespace XMonitor.Bpf.Prometheus;

/// <summary>
/// Registers the probe adapters with dependency injection: each one exports the probe its
/// <c>Add...Probe</c> registered, and <see cref="XMonitorMetricsServiceCollectionExtensions.AddXMonitorMetrics"/>
/// puts every registered adapter into the registry.
/// </summary>
public static class ProbeMetricsServiceCollectionExtensions
{
    /// <summary>
    /// Registers a <see cref="CacheStatMetricsCollector"/> for the <see cref="CacheStatProbe"/> that
    /// <c>AddCacheStatProbe</c> registered.
    /// </summary>
    /// <example>
    /// <code>
    /// builder.Services.AddCacheStatProbe().AddCacheStatMetrics().AddXMonitorMetrics();
    /// </code>
    /// </example>
    public static IServiceCollection AddCacheStatMetrics(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IBpfMetricsCollector, CacheStatMetricsCollector>(
            sp => new CacheStatMetricsCollector(sp.GetRequiredService<CacheStatProbe>(), MaxProcessSeries(sp))));
        return services;
    }

    /// <summary>
    /// Registers a <see cref="CpuSchedMetricsCollector"/> for the <see cref="CpuSchedProbe"/> that
    /// <c>AddCpuSchedProbe</c> registered.
    /// </summary>
    public static IServiceCollection AddCpuSchedMetrics(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IBpfMetricsCollector, CpuSchedMetricsCollector>(
            sp => new CpuSchedMetricsCollector(sp.GetRequiredService<CpuSchedProbe>(), MaxProcessSeries(sp))));
        return services;
    }

    /// <summary>
    /// Registers an <see cref="OomKillMetricsCollector"/> for the <see cref="OomKillProbe"/> that
    /// <c>AddOomKillProbe</c> registered.
    /// </summary>
    public static IServiceCollection AddOomKillMetrics(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IBpfMetricsCollector, OomKillMetricsCollector>(
            sp => new OomKillMetricsCollector(sp.GetRequiredService<OomKillProbe>(), MaxProcessSeries(sp))));
        return services;
    }

    /// <summary>
    /// Registers a <see cref="ProcessVmMetricsCollector"/> for the <see cref="ProcessVmProbe"/> that
    /// <c>AddProcessVmProbe</c> registered.
    /// </summary>
    public static IServiceCollection AddProcessVmMetrics(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IBpfMetricsCollector, ProcessVmMetricsCollector>(
            sp => new ProcessVmMetricsCollector(sp.GetRequiredService<ProcessVmProbe>(), MaxProcessSeries(sp))));
        return services;
    }

    /// <summary>
    /// Registers a <see cref="BioLatencyMetricsCollector"/> for the <see cref="BioLatencyProbe"/> that
    /// <c>AddBioLatencyProbe</c> registered.
    /// </summary>
    public static IServiceCollection AddBioLatencyMetrics(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IBpfMetricsCollector, BioLatencyMetricsCollector>(
            sp => new BioLatencyMetricsCollector(sp.GetRequiredService<BioLatencyProbe>(), MaxProcessSeries(sp))));
        return services;
    }

    /// <summary>
    /// Registers a <see cref="NapiMetricsCollector"/> for the <see cref="NapiProbe"/> that
    /// <c>AddNapiProbe</c> registered.
    /// </summary>
    public static IServiceCollection AddNapiMetrics(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IBpfMetricsCollector, NapiMetricsCollector>(
            sp => new NapiMetricsCollector(sp.GetRequiredService<NapiProbe>(), MaxProcessSeries(sp))));
        return services;
    }

    /// <summary>
    /// Registers an <see cref="FsLatencyMetricsCollector"/> for the <see cref="FsLatencyProbe"/> that
    /// <c>AddFsLatencyProbe</c> registered.
    /// </summary>
    public static IServiceCollection AddFsLatencyMetrics(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IBpfMetricsCollector, FsLatencyMetricsCollector>(
            sp => new FsLatencyMetricsCollector(sp.GetRequiredService<FsLatencyProbe>(), MaxProcessSeries(sp))));
        return services;
    }

    private static int MaxProcessSeries(IServiceProvider services)
        => services.GetService<IOptions<XMonitorMetricsOptions>>()?.Value.MaxProcessSeries ?? new XMonitorMetricsOptions().MaxProcessSeries;
}
