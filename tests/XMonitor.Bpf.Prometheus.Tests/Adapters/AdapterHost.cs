using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace XMonitor.Bpf.Prometheus.Tests.Adapters;

/// <summary>
/// A host with probes and their adapters registered as an application would: the registry is
/// resolved before the host starts, so the adapters see the probes' first samples.
/// </summary>
internal sealed class AdapterHost : IAsyncDisposable
{
    private readonly IHost _host;

    private AdapterHost(IHost host)
    {
        _host = host;
        Registry = host.Services.GetRequiredService<XMonitorMetricsRegistry>();
    }

    public XMonitorMetricsRegistry Registry { get; }

    public IServiceProvider Services => _host.Services;

    public static async Task<AdapterHost> StartAsync(Action<IServiceCollection> configure, Action<XMonitorMetricsOptions>? metrics = null)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        configure(builder.Services);
        // Port 0: a listener started on the registry binds a free port, never the default 9435 an
        // agent on the machine may hold.
        builder.Services.AddXMonitorMetrics(o =>
        {
            o.Port = 0;
            metrics?.Invoke(o);
        });
        var host = new AdapterHost(builder.Build());
        await host._host.StartAsync(TestContext.Current.CancellationToken);
        return host;
    }

    public string Scrape(ExpositionFormat format = ExpositionFormat.PrometheusText) => Registry.ScrapeToString(format);

    public async ValueTask DisposeAsync()
    {
        await _host.StopAsync(CancellationToken.None);
        _host.Dispose();
    }
}
