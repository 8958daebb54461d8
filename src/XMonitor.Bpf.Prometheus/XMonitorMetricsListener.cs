using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace XMonitor.Bpf.Prometheus;

/// <summary>
/// A standalone metrics endpoint for hosts without ASP.NET Core of their own (console apps,
/// worker services): a minimal Kestrel on <see cref="XMonitorMetricsOptions.ListenAddress"/> and
/// <see cref="XMonitorMetricsOptions.Port"/> serving <see cref="XMonitorMetricsOptions.Path"/>.
/// </summary>
public sealed class XMonitorMetricsListener : IAsyncDisposable
{
    private readonly WebApplication _app;

    private XMonitorMetricsListener(WebApplication app, Uri url)
    {
        _app = app;
        Url = url;
    }

    /// <summary>The full URL of the metrics endpoint, with the port actually bound (useful with port 0).</summary>
    public Uri Url { get; }

    /// <summary>Starts serving <paramref name="registry"/> as its options say.</summary>
    /// <param name="registry">The registry to scrape.</param>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <exception cref="IOException">The address or port cannot be bound.</exception>
    /// <exception cref="FormatException">The listen address is not an IP address.</exception>
    public static async Task<XMonitorMetricsListener> StartAsync(XMonitorMetricsRegistry registry, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(registry);
        var options = registry.Options;
        var address = IPAddress.Parse(options.ListenAddress);
        // Args and environment must not move the endpoint: ASPNETCORE_URLS is the host app's, not ours.
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [], EnvironmentName = "Production" });
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(address, options.Port));
        var app = builder.Build();
        app.MapGet(options.Path, (HttpContext context) => MetricsResponder.RespondAsync(registry, context));
        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        var bound = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new XMonitorMetricsListener(app, new Uri(new Uri(bound), options.Path));
    }

    /// <summary>Stops listening.</summary>
    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }
}
