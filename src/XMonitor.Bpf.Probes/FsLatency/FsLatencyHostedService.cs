using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace XMonitor.Bpf.Probes.FsLatency;

/// <summary>Starts the registered <see cref="FsLatencyProbe"/> with the host and stops it (detaching everything) with the host.</summary>
internal sealed class FsLatencyHostedService(FsLatencyProbe probe, ILoggerFactory? loggerFactory = null) : IHostedService
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
