using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace XMonitor.Bpf.Probes;

/// <summary>
/// Starts the registered probe with the host and stops it (detaching everything) with the host. A
/// probe that cannot start is logged and left in its failed state unless
/// <see cref="ProbeHostingOptions.FailFast"/> asks for the host to stop.
/// </summary>
/// <remarks>Generic so that each probe's hosted service is a type of its own: the host registers each type once.</remarks>
internal sealed class ProbeHostedService<TProbe>(TProbe probe, IOptions<ProbeHostingOptions> hosting, ILoggerFactory? loggerFactory = null) : IHostedService
    where TProbe : Probe
{
    private readonly ILogger _logger = (ILogger?)loggerFactory?.CreateLogger<TProbe>() ?? NullLogger.Instance;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (loggerFactory is not null)
            BpfLog.Configure(loggerFactory);
        try
        {
            probe.Start();
        }
        catch (Exception e) when (!hosting.Value.FailFast && e is not ArgumentException)
        {
            _logger.LogError(e, "{Probe} could not start ({State}); the host runs on without it: {Reason}", probe.Description, probe.State, probe.StateReason);
        }
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => probe.DisposeAsync().AsTask();
}
