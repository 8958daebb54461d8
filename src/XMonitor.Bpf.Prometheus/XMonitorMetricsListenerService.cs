using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace XMonitor.Bpf.Prometheus;

/// <summary>Runs the standalone listener for the lifetime of a generic host when <see cref="XMonitorMetricsOptions.Listen"/> is on.</summary>
internal sealed class XMonitorMetricsListenerService(XMonitorMetricsRegistry registry, IOptions<XMonitorMetricsOptions> options) : IHostedService
{
    private XMonitorMetricsListener? _listener;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (options.Value.Listen)
            _listener = await XMonitorMetricsListener.StartAsync(registry, cancellationToken).ConfigureAwait(false);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_listener is { } listener)
        {
            _listener = null;
            await listener.DisposeAsync().ConfigureAwait(false);
        }
    }
}
