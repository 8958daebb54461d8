using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using XMonitor.Bpf;
using XMonitor.Bpf.Probes;
using XMonitor.Bpf.Probes.BioLatency;
using XMonitor.Bpf.Probes.CacheStat;
using XMonitor.Bpf.Probes.CpuSched;
using XMonitor.Bpf.Probes.FsLatency;
using XMonitor.Bpf.Probes.Napi;
using XMonitor.Bpf.Probes.OomKill;
using XMonitor.Bpf.Probes.ProcessVm;
using XMonitor.Bpf.Prometheus;

namespace XMonitor.Deployment.Tests.Snippets;

/// <summary>The C# blocks of src/XMonitor.Bpf.Prometheus/README.md and the repository README's metrics block, compiled (never run).</summary>
internal static class PrometheusReadme
{
    public static void AspNetCore(WebApplicationBuilder builder, WebApplication app)
    {
        // ASP.NET Core
        builder.Services.AddXMonitorMetrics(o => o.MaxProcessSeries = 50);
        app.MapXMonitorMetrics("/metrics");
    }

    public static void RepositoryReadme(WebApplicationBuilder builder, WebApplication app)
    {
        builder.Services.AddXMonitorMetrics();          // collectors: every IBpfMetricsCollector in DI
        app.MapXMonitorMetrics("/metrics");             // ASP.NET Core; console hosts: o => o.Listen = true (127.0.0.1:9435)
    }

    public static void Console(HostApplicationBuilder builder)
    {
        // Console or worker host: a standalone endpoint on 127.0.0.1:9435/metrics
        builder.Services.AddXMonitorMetrics(o => o.Listen = true);
    }

    public static async Task WithoutDependencyInjection(IBpfMetricsCollector myCollector)
    {
        // Without DI
        using var registry = new XMonitorMetricsRegistry();
        registry.Add(myCollector);
        await using var listener = await XMonitorMetricsListener.StartAsync(registry);
    }

    public static void EveryProbe(WebApplicationBuilder builder)
    {
        builder.Services
            .AddCacheStatProbe().AddCacheStatMetrics()
            .AddCpuSchedProbe().AddCpuSchedMetrics()
            .AddOomKillProbe().AddOomKillMetrics()
            .AddProcessVmProbe().AddProcessVmMetrics()
            .AddBioLatencyProbe().AddBioLatencyMetrics()
            .AddNapiProbe().AddNapiMetrics()
            .AddFsLatencyProbe().AddFsLatencyMetrics()
            .AddXMonitorMetrics();
    }

    sealed class CacheStatCollector : IBpfMetricsCollector, IDisposable
    {
        static readonly MetricFamily Hits = new("xmonitor_cachestat_hits", MetricType.Counter, "Page cache hits.");
        static readonly MetricFamily Ratio = new("xmonitor_cachestat_hit_ratio", MetricType.Gauge, "Hit ratio in the last interval.", [], "ratio");

        readonly CacheStatProbe _probe;
        readonly IDisposable _samples;
        ulong _hits;                                                  // every sample's hits added up
        double _ratio = double.NaN;                                   // the last interval's

        public CacheStatCollector(CacheStatProbe probe)
        {
            _probe = probe;
            _samples = probe.Samples.Observe(s =>
            {
                Interlocked.Add(ref _hits, s.System.Hits);
                Volatile.Write(ref _ratio, s.System.HitRatio ?? double.NaN);
            });
        }

        public string ProbeName => "CacheStat";
        public IReadOnlyList<MetricFamily> Families { get; } = [Hits, Ratio, LegacyMetrics.FilesystemPagecacheRatio];
        public IEnumerable<BpfProgram> Programs => _probe.Programs;   // every loaded program
        public IEnumerable<BpfLink> Links => _probe.Links;            // how they are attached

        public void Collect(MetricWriter w, CancellationToken ct)
        {
            var ratio = Volatile.Read(ref _ratio);
            w.Counter(Hits, [], Interlocked.Read(ref _hits));
            w.Gauge(Ratio, [], ratio);
            if (w.IncludeLegacyNames)
                w.Gauge(LegacyMetrics.FilesystemPagecacheRatio, [], ratio);
        }

        public void Dispose() => _samples.Dispose();
    }

    public static IBpfMetricsCollector Adapter(CacheStatProbe probe) => new CacheStatCollector(probe);
}
