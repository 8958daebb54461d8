using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace XMonitor.Bpf.Probes;

/// <summary>Starts the registered probe with the host and stops it (detaching everything) with the host.</summary>
/// <remarks>Generic so that each probe's hosted service is a type of its own: the host registers each type once.</remarks>
internal sealed class ProbeHostedService<TProbe>(TProbe probe, ILoggerFactory? loggerFactory = null) : IHostedService
    where TProbe : IHostedProbe
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (loggerFactory is not null)
            BpfLog.Configure(loggerFactory);
        probe.Start();
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => probe.DisposeAsync().AsTask();
}
