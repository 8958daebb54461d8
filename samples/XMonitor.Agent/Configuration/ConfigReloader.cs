using System.Runtime.InteropServices;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using XMonitor.Agent.Probes;

namespace XMonitor.Agent.Configuration;

/// <summary>
/// Reloads the configuration file on SIGHUP and when the file changes (debounced: editors write a
/// file in several steps). A reload that cannot be read keeps the running configuration and logs
/// the one-line reason; a valid one restarts only the probes whose section changed. Settings
/// outside the probe sections (listen, logging, events, metrics, drop_capabilities) take effect
/// at the next start, which the log says.
/// </summary>
internal sealed class ConfigReloader : IAsyncDisposable
{
    private static readonly TimeSpan Debounce = TimeSpan.FromMilliseconds(300);

    /// <summary>The symlink a ConfigMap volume swaps to publish a new version of its files.</summary>
    private const string KubernetesDataLink = "..data";

    private readonly string _path;
    private readonly ProbeManager _probes;
    private readonly ReloadCounters _counters;
    private readonly ILogger _logger;
    private readonly Channel<string> _requests = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = true });
    private readonly PosixSignalRegistration _hangup;
    private readonly FileSystemWatcher _watcher;
    private readonly Timer _debounce;
    private readonly Task _loop;
    private AgentConfig _running;

    public ConfigReloader(AgentConfig running, ProbeManager probes, ReloadCounters counters, ILogger<ConfigReloader> logger)
    {
        _running = running;
        _path = Path.GetFullPath(running.File);
        _probes = probes;
        _counters = counters;
        _logger = logger;
        _debounce = new Timer(_ => _requests.Writer.TryWrite("the file changed"));
        _hangup = PosixSignalRegistration.Create(PosixSignal.SIGHUP, context =>
        {
            // SIGHUP means reload here, not hang up: keep running.
            context.Cancel = true;
            _requests.Writer.TryWrite("SIGHUP");
        });
        // The whole directory: a Kubernetes ConfigMap volume updates the file by swapping its
        // ..data symlink, which a watcher of the file's name alone never sees.
        _watcher = new FileSystemWatcher(Path.GetDirectoryName(_path)!)
        {
            NotifyFilter = NotifyFilters.LastWrite | NotifyFilters.FileName | NotifyFilters.DirectoryName | NotifyFilters.Size | NotifyFilters.CreationTime,
        };
        _watcher.Changed += OnFileEvent;
        _watcher.Created += OnFileEvent;
        _watcher.Renamed += OnFileEvent;
        _watcher.EnableRaisingEvents = true;
        _loop = Task.Run(RunAsync);
    }

    public async ValueTask DisposeAsync()
    {
        _hangup.Dispose();
        _watcher.Dispose();
        await _debounce.DisposeAsync().ConfigureAwait(false);
        _requests.Writer.TryComplete();
        await _loop.ConfigureAwait(false);
    }

    private void OnFileEvent(object sender, FileSystemEventArgs e)
    {
        // Other files of the directory (an event file, say) are none of the reloader's business.
        if (e.Name == Path.GetFileName(_path) || e.Name == KubernetesDataLink || (e is RenamedEventArgs r && r.OldName == Path.GetFileName(_path)))
            _debounce.Change(Debounce, Timeout.InfiniteTimeSpan);
    }

    private async Task RunAsync()
    {
        await foreach (var reason in _requests.Reader.ReadAllAsync().ConfigureAwait(false))
            await ReloadAsync(reason).ConfigureAwait(false);
    }

    private async Task ReloadAsync(string reason)
    {
        AgentConfig next;
        try
        {
            next = ConfigLoader.Load(_path);
        }
        catch (ConfigException e)
        {
            _counters.CountRejected();
            _logger.LogError("Configuration reload ({Reason}) rejected, the running configuration stays: {Error}", reason, e.Message);
            return;
        }
        try
        {
            var restarted = await _probes.ApplyAsync(next).ConfigureAwait(false);
            _counters.CountApplied();
            _logger.LogInformation("Configuration reloaded ({Reason}): {Restarted}", reason,
                restarted.Count == 0 ? "no probe section changed" : "restarted " + string.Join(", ", restarted));
        }
        catch (InvalidOperationException e)
        {
            _counters.CountRefused();
            _logger.LogError("Configuration reload ({Reason}) refused, the running configuration stays: {Error}", reason, e.Message);
            return;
        }
        foreach (var section in ChangedOutsideProbes(_running, next))
            _logger.LogWarning("Configuration reload: {Section} changed; it takes effect when the agent restarts", section);
        _running = _running with { Probes = next.Probes };
    }

    private static IEnumerable<string> ChangedOutsideProbes(AgentConfig a, AgentConfig b)
    {
        if (a.Listen != b.Listen)
            yield return "listen";
        if (a.Logging != b.Logging)
            yield return "logging";
        if (a.Events != b.Events)
            yield return "events";
        if (a.Metrics != b.Metrics)
            yield return "metrics";
        if (a.DropCapabilities != b.DropCapabilities)
            yield return "drop_capabilities";
    }
}
