using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace XMonitor.Bpf.Probes;

/// <summary>
/// A kernel monitor: BPF programs loaded and attached by <see cref="Start"/>, read while it runs,
/// detached and freed by <see cref="Dispose"/>. What every probe shares: its <see cref="Name"/>, its
/// <see cref="State"/> and why, the attach strategy it chose and why, its programs and their
/// statistics. What it publishes is on <see cref="ISampledProbe{TSample}.Samples"/> (readings every
/// interval) and <see cref="IEventProbe{TEvent}.Events"/> (records as the kernel writes them).
/// </summary>
/// <remarks>
/// Subscribe first, then <see cref="Start"/>: a probe starts once. Disposing detaches every program,
/// publishes what the maps and the ring buffer hold last (a sample for the partial interval) and
/// completes the streams. Dispose may be called from inside a subscriber's callback: it returns at
/// once and the probe stops as soon as the callback returns.
/// </remarks>
public abstract class Probe : IDisposable, IAsyncDisposable
{
    private readonly ProbeRunner _runner;
    private readonly List<Action> _completeStreams = [];
    private Status _status = new(ProbeState.NotStarted, null);
    private long _intervalStart;

    private protected Probe(string name, string description, ILogger? logger)
    {
        Name = name;
        Description = description;
        Logger = logger ?? NullLogger.Instance;
        _runner = new ProbeRunner(this, description, Logger, Stopped, ReadHealth);
    }

    /// <summary>The probe's name as configuration and metrics know it (<c>cache_stat</c>, <c>cpu_sched</c>...).</summary>
    public string Name { get; }

    /// <summary>The probe in words, for messages ("CacheStat probe").</summary>
    public string Description { get; }

    /// <summary>Where the probe is in its life.</summary>
    public ProbeState State => Volatile.Read(ref _status).State;

    /// <summary>
    /// Why the probe is in its <see cref="State"/>: the error of a failed start or reading, what the
    /// kernel lacks, or a note on a running probe (nothing to measure yet); null when there is nothing to say.
    /// </summary>
    public string? StateReason
    {
        get
        {
            var (state, reason) = Volatile.Read(ref _status);
            return state == ProbeState.Running ? RunningNote : reason;
        }
    }

    /// <summary>The strategy, why it was chosen and those that failed before it; null until <see cref="Start"/> succeeded.</summary>
    public BpfAttachChoice? StrategyChoice { get; private protected set; }

    /// <summary>The strategy the programs were attached with; null until <see cref="Start"/> succeeded.</summary>
    public BpfAttachKind? AttachStrategy => StrategyChoice?.Kind;

    /// <summary>True between a successful <see cref="Start"/> and <see cref="Dispose"/>.</summary>
    public bool IsRunning => _runner.IsRunning;

    /// <summary>The loaded BPF programs, attached or not, for health metrics; empty unless running.</summary>
    public IReadOnlyList<BpfProgram> Programs => _runner.Programs;

    /// <summary>The links of the attached programs (how and where each is attached), for health metrics; empty unless running.</summary>
    public IReadOnlyList<BpfLink> Links => _runner.Links;

    /// <summary>The probe's logger (a null logger when none was given).</summary>
    private protected ILogger Logger { get; }

    /// <summary>How often the maps are read; null for a probe that only publishes records.</summary>
    private protected abstract TimeSpan? Interval { get; }

    /// <summary>A note on a running probe, for <see cref="StateReason"/>; null by default.</summary>
    private protected virtual string? RunningNote => null;

    /// <summary>
    /// Loads the programs, attaches them and starts reading. Options are checked first; the attach
    /// strategy is the forced one, or the first the kernel offers, falling back to the next when the
    /// kernel refuses one at load or attach (<see cref="StrategyChoice"/> says which and why).
    /// </summary>
    /// <exception cref="ArgumentException">The options are invalid; the message names every bad option.</exception>
    /// <exception cref="BpfNotSupportedException">The kernel offers none of the probe's strategies (or not the forced one); names what it lacks.</exception>
    /// <exception cref="BpfException">Loading or attaching failed (<see cref="BpfPermissionException"/> without privileges).</exception>
    /// <exception cref="InvalidOperationException">The probe was started before.</exception>
    /// <exception cref="ObjectDisposedException">The probe was disposed.</exception>
    public void Start()
    {
        if (_runner.IsRunning)
            throw new InvalidOperationException($"the {Description} is already running");
        SetStatus(ProbeState.Starting, null);
        try
        {
            _runner.Start(Interval, () =>
            {
                CheckOptions();
                return Attach();
            });
        }
        catch (BpfNotSupportedException e)
        {
            SetStatus(ProbeState.Unsupported, e.Message);
            throw;
        }
        catch (ObjectDisposedException)
        {
            SetStatus(ProbeState.Stopped, null);
            throw;
        }
        catch (Exception e)
        {
            SetStatus(ProbeState.Failed, e.Message);
            throw;
        }
        SetStatus(ProbeState.Running, null);
    }

    /// <summary>
    /// The kernel's run statistics of the loaded programs by name (run count, total run time);
    /// zero unless statistics are on (<see cref="BpfRunStatistics.Enable"/> or <c>kernel.bpf_stats_enabled=1</c>).
    /// </summary>
    /// <exception cref="InvalidOperationException">The probe is not running.</exception>
    public IReadOnlyDictionary<string, BpfProgramStatistics> GetProgramStatistics()
        => _runner.WithRunningSession(() => _runner.Programs.Where(p => p.IsLoaded).ToDictionary(p => p.Name, p => p.GetStatistics()));

    /// <summary>
    /// Detaches the programs, publishes what the kernel holds last, completes the streams and frees
    /// the kernel objects. Called from inside one of the probe's own callbacks, it returns at once
    /// and the probe stops as soon as the callback returns.
    /// </summary>
    public void Dispose()
    {
        _runner.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>Like <see cref="Dispose"/>, awaiting the interval timer instead of blocking on it.</summary>
    public async ValueTask DisposeAsync()
    {
        await _runner.DisposeAsync().ConfigureAwait(false);
        GC.SuppressFinalize(this);
    }

    /// <inheritdoc/>
    public override string ToString() => StateReason is { } reason ? $"{Name}: {State} ({reason})" : $"{Name}: {State}";

    /// <summary>Checks the options before anything is loaded; throws <see cref="ArgumentException"/> naming every problem.</summary>
    private protected abstract void CheckOptions();

    /// <summary>Loads and attaches with the strategy the kernel allows (releasing what it made if it throws).</summary>
    private protected abstract ProbeSession Attach();

    /// <summary>A stream the probe publishes on: an observer that throws is logged and stays subscribed; completed when the probe stops.</summary>
    private protected ObservableBroadcaster<T> CreateStream<T>()
    {
        var stream = new ObservableBroadcaster<T>(e => Logger.LogError(e, "{Probe}: an observer threw; it stays subscribed", Description));
        _completeStreams.Add(stream.Complete);
        return stream;
    }

    /// <summary>Starts the first interval of the samples: called when the programs are attached.</summary>
    private protected void StartInterval() => _intervalStart = Stopwatch.GetTimestamp();

    /// <summary>The time since the previous call (or since <see cref="StartInterval"/>): the interval a sample covers.</summary>
    private protected TimeSpan TakeInterval()
    {
        var now = Stopwatch.GetTimestamp();
        var interval = Stopwatch.GetElapsedTime(_intervalStart, now);
        _intervalStart = now;
        return interval;
    }

    /// <summary>Logs, when the probe stops, the records the kernel could not write because the ring buffer was full.</summary>
    /// <param name="dropped">The kernel's count.</param>
    /// <param name="records">What a record is, plural ("slow-request records").</param>
    private protected void LogDroppedRecords(ulong dropped, string records)
    {
        if (dropped > 0)
            Logger.LogWarning("{Probe}: the kernel dropped {Dropped} {Records} because the ring buffer was full", Description, dropped, records);
    }

    /// <summary>Runs a publication marked as this probe's callback, so a Dispose inside it is deferred.</summary>
    private protected void AsCallback(Action publish) => _runner.AsCallback(publish);

    /// <summary>Runs <paramref name="read"/> while the probe runs (under the start/stop lock); <paramref name="fallback"/> otherwise.</summary>
    private protected T WithSession<T>(Func<T> read, T fallback) => _runner.WithSession(read, fallback);

    /// <summary>Runs <paramref name="read"/> while the probe runs (under the start/stop lock).</summary>
    /// <exception cref="InvalidOperationException">The probe is not running.</exception>
    private protected T WithRunningSession<T>(Func<T> read) => _runner.WithRunningSession(read);

    /// <summary>Runs <paramref name="read"/> while the kernel objects exist (also in the last publication); <paramref name="fallback"/> before and after.</summary>
    private protected T WithKernelObjects<T>(Func<T> read, T fallback) => _runner.WithKernelObjects(read, fallback);

    private void Stopped()
    {
        SetStatus(ProbeState.Stopped, null);
        foreach (var complete in _completeStreams)
            complete();
    }

    /// <summary>The runner's word after each reading: null when it worked, the error when it failed.</summary>
    private void ReadHealth(string? error)
    {
        var (state, reason) = Volatile.Read(ref _status);
        if (state is not (ProbeState.Running or ProbeState.Degraded))
            return;
        error ??= _runner.EventReaderError;
        var next = error is null ? ProbeState.Running : ProbeState.Degraded;
        // Every interval reports; the status object changes only when the health does.
        if (next != state || error != reason)
            SetStatus(next, error);
    }

    private void SetStatus(ProbeState state, string? reason) => Volatile.Write(ref _status, new Status(state, reason));

    private sealed record Status(ProbeState State, string? Reason);
}
