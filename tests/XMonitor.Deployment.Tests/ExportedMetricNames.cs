using System.Reflection;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using XMonitor.Bpf.Probes.CacheStat;
using XMonitor.Bpf.Prometheus;
using XMonitor.Bpf.Prometheus.Tests.Adapters;

namespace XMonitor.Deployment.Tests;

/// <summary>
/// The sample names (<c>_total</c>, <c>_bucket</c>... included) that XMonitor.Bpf.Prometheus writes:
/// every adapter's declared families, and the SDK's health series from a real scrape.
/// </summary>
internal static class ExportedMetricNames
{
    /// <summary>The probes that have an adapter in this build (its <c>ProbeName</c>), and every name they and the SDK export.</summary>
    public static async Task<(HashSet<string> Probes, HashSet<string> Names)> CollectAsync()
    {
        var (probes, names) = await AdapterFamiliesAsync();
        names.UnionWith(await HealthNamesAsync());
        return (probes, names);
    }

    /// <summary>The sample names a family's samples have in text 0.0.4.</summary>
    public static IEnumerable<string> SampleNames(string family, string type) => type switch
    {
        "Counter" => [family + "_total"],
        "Histogram" => [family + "_bucket", family + "_sum", family + "_count"],
        "Info" => [family + "_info"],
        _ => [family],
    };

    /// <summary>
    /// Registers every probe that has an adapter (each <c>Add{X}Metrics</c> of the package with its
    /// <c>Add{X}Probe</c>, found by reflection so that adapters added later are covered without
    /// editing this test) and reads the families of the adapters the registry holds. Nothing starts.
    /// </summary>
    private static async Task<(HashSet<string>, HashSet<string>)> AdapterFamiliesAsync()
    {
        var services = new ServiceCollection();
        var probeRegistrations = typeof(CacheStatProbe).Assembly.GetExportedTypes()
            .SelectMany(t => t.GetMethods(BindingFlags.Public | BindingFlags.Static))
            .Where(m => m.Name.StartsWith("Add", StringComparison.Ordinal) && m.Name.EndsWith("Probe", StringComparison.Ordinal))
            .ToDictionary(m => m.Name, m => m);
        foreach (var adapter in typeof(XMonitorMetricsRegistry).Assembly.GetExportedTypes()
            .SelectMany(t => t.GetMethods(BindingFlags.Public | BindingFlags.Static))
            .Where(m => m.Name.StartsWith("Add", StringComparison.Ordinal) && m.Name.EndsWith("Metrics", StringComparison.Ordinal)
                && m.Name != nameof(XMonitorMetricsServiceCollectionExtensions.AddXMonitorMetrics)))
        {
            var probe = "Add" + adapter.Name[3..^"Metrics".Length] + "Probe";
            Assert.True(probeRegistrations.TryGetValue(probe, out var register), $"{adapter.Name} has no {probe} in XMonitor.Bpf.Probes");
            register.Invoke(null, [services, null]);
            adapter.Invoke(null, [services]);
        }
        services.AddXMonitorMetrics();
        await using var provider = services.BuildServiceProvider();
        var collectors = provider.GetRequiredService<XMonitorMetricsRegistry>().Collectors;
        var names = collectors.SelectMany(c => c.Families).Where(f => !f.IsLegacy)
            .SelectMany(f => SampleNames(f.Name, f.Type.ToString())).ToHashSet();
        return (collectors.Select(c => c.ProbeName).ToHashSet(), names);
    }

    /// <summary>
    /// The health series (probe up, collection time and errors, program info, attachment and run
    /// statistics) of a real scrape: one probe running with run statistics on.
    /// </summary>
    private static async Task<HashSet<string>> HealthNamesAsync()
    {
        var ct = TestContext.Current.CancellationToken;
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddCacheStatProbe().AddCacheStatMetrics().AddXMonitorMetrics(o => o.EnableRunStatistics = true);
        using var host = builder.Build();
        var registry = host.Services.GetRequiredService<XMonitorMetricsRegistry>();
        await host.StartAsync(ct);
        try
        {
            using var text = new MemoryStream();
            await registry.ScrapeAsync(text, ExpositionFormat.PrometheusText, ct);
            var scrape = Scraped.Parse(System.Text.Encoding.UTF8.GetString(text.ToArray()));
            var health = scrape.Samples.Select(s => s.Name).Where(n => !n.StartsWith("xmonitor_cachestat_", StringComparison.Ordinal)).ToHashSet();
            Assert.Contains("xmonitor_bpf_program_run_seconds_total", health);
            return health;
        }
        finally
        {
            await host.StopAsync(CancellationToken.None);
        }
    }
}
