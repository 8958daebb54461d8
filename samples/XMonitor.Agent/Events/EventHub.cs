using System.Collections.Concurrent;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;

namespace XMonitor.Agent.Events;

/// <summary>
/// The agent's one event stream. Probes' observables feed it; it writes each event to the log (one
/// structured entry, a JSON line with the JSON console), to the event file when one is configured,
/// and to every /events client. Slow clients lose their oldest events rather than slow the probes:
/// the probes' callbacks only serialize and enqueue.
/// </summary>
internal sealed class EventHub : IAsyncDisposable
{
    private const int ClientQueueLength = 4096;

    private readonly ILogger _logger;
    private readonly bool _log;
    private readonly ConcurrentDictionary<Channel<string>, byte> _clients = new();
    private readonly ConcurrentDictionary<string, long> _counts = new(StringComparer.Ordinal);
    private readonly EventFileWriter? _file;

    public EventHub(Configuration.EventsConfig config, ILogger<EventHub> logger)
    {
        _logger = logger;
        _log = config.Log;
        if (config.File is { } path)
            _file = new EventFileWriter(path, logger);
    }

    /// <summary>Events received so far by type, for the agent's metrics.</summary>
    public IReadOnlyDictionary<string, long> Counts => _counts;

    /// <summary>An observer that publishes a probe's records as events of <paramref name="type"/>.</summary>
    /// <summary>An observer of a probe's records of several types, each published under the name <paramref name="types"/> gives its type.</summary>
    public IObserver<object> Observer(IReadOnlyDictionary<Type, string> types, string probe)
        => new EventObserver(this, types, probe);

    /// <summary>Hands <paramref name="e"/> to every consumer.</summary>
    public void Publish(AgentEvent e)
    {
        _counts.AddOrUpdate(e.Type, 1, static (_, n) => n + 1);
        var line = EventJson.Line(e);
        if (_log)
            _logger.LogInformation("{EventType} event from {Probe}: {Event}", e.Type, e.Probe, line);
        _file?.Append(line);
        foreach (var client in _clients.Keys)
            client.Writer.TryWrite(line);
    }

    /// <summary>A new client's queue of JSON lines; dispose the subscription when the client leaves.</summary>
    public (ChannelReader<string> Events, IDisposable Subscription) Subscribe()
    {
        var channel = Channel.CreateBounded<string>(new BoundedChannelOptions(ClientQueueLength)
        {
            FullMode = BoundedChannelFullMode.DropOldest,
            SingleReader = true,
        });
        _clients[channel] = 0;
        return (channel.Reader, new Unsubscriber(this, channel));
    }

    /// <summary>Ends every client's stream and flushes the event file.</summary>
    public async ValueTask DisposeAsync()
    {
        foreach (var client in _clients.Keys)
            client.Writer.TryComplete();
        _clients.Clear();
        if (_file is not null)
            await _file.DisposeAsync().ConfigureAwait(false);
    }

    private sealed class Unsubscriber(EventHub hub, Channel<string> channel) : IDisposable
    {
        public void Dispose()
        {
            hub._clients.TryRemove(channel, out _);
            channel.Writer.TryComplete();
        }
    }

    private sealed class EventObserver(EventHub hub, IReadOnlyDictionary<Type, string> types, string probe) : IObserver<object>
    {
        public void OnNext(object value)
            => hub.Publish(new AgentEvent(types.TryGetValue(value.GetType(), out var type) ? type : value.GetType().Name, probe, DateTimeOffset.UtcNow, value));

        public void OnError(Exception error) => hub._logger.LogError(error, "{Probe}: the event stream failed", probe);

        public void OnCompleted()
        {
            // The probe stopped; a restarted one subscribes again.
        }
    }
}
