using Microsoft.Extensions.Logging;

namespace XMonitor.Bpf.Probes;

/// <summary>
/// The life cycle the probes share: start once, an interval timer that reads the kernel's maps (none
/// for an event-only probe), an optional thread draining a ring buffer, and a stop that detaches
/// first, publishes what the maps and the ring hold last, then frees the kernel objects. Dispose
/// from inside one of the probe's own callbacks is deferred to the thread pool, so it never waits
/// for the thread it runs on. <c>stopped</c> runs once the probe is stopped; <c>readHealth</c> hears
/// after each reading of the maps whether it worked (null) or the error, and the event reader's error.
/// </summary>
internal sealed class ProbeRunner(object owner, string description, ILogger logger, Action stopped, Action<string?> readHealth)
{
    private const int StateNew = 0;
    private const int StateRunning = 1;
    private const int StateDisposed = 2;

    [ThreadStatic] private static ProbeRunner? t_callbackOf;

    private readonly Lock _gate = new();
    private readonly Lock _readGate = new();
    private readonly CancellationTokenSource _stop = new();
    private int _state = StateNew;
    private ProbeSession? _session;
    private Thread? _reader;
    private Task? _ticker;

    public bool IsRunning => Volatile.Read(ref _state) == StateRunning;

    /// <summary>Why the event reader stopped early; null while it reads (or without one).</summary>
    public string? EventReaderError { get; private set; }

    /// <summary>The session's programs, attached or not, for health metrics; empty unless running.</summary>
    public IReadOnlyList<BpfProgram> Programs => WithSession<IReadOnlyList<BpfProgram>>(() => [.. _session!.Programs], []);

    /// <summary>The links of the attached programs (how and where each is attached), for health metrics; empty unless running.</summary>
    public IReadOnlyList<BpfLink> Links => WithSession<IReadOnlyList<BpfLink>>(() => [.. _session!.Links], []);

    /// <summary>
    /// Starts: <paramref name="attach"/> loads and attaches (and must release what it made if it
    /// throws); then the timer (none without <paramref name="interval"/>: an event-only probe's
    /// interval reading, if it has one, is published only on stop) and the ring-buffer thread run
    /// until dispose.
    /// </summary>
    public void Start(TimeSpan? interval, Func<ProbeSession> attach)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_state == StateDisposed, owner);
            if (_state == StateRunning)
                throw new InvalidOperationException($"the {description} is already running");
            _session = attach();
            if (_session.ConsumeEvents is not null)
            {
                _reader = new Thread(ReadEvents) { IsBackground = true, Name = $"{description} events" };
                _reader.Start();
            }
            if (interval is { } period && _session.PublishInterval is not null)
                _ticker = Task.Run(() => TickAsync(period));
            _state = StateRunning;
        }
    }

    /// <summary>Runs <paramref name="read"/> on the session while it is running (under the start/stop lock); <paramref name="fallback"/> otherwise.</summary>
    public T WithSession<T>(Func<T> read, T fallback)
    {
        lock (_gate)
            return _state == StateRunning ? read() : fallback;
    }

    /// <summary>Runs <paramref name="read"/> on the session while it is running (under the start/stop lock).</summary>
    /// <exception cref="InvalidOperationException">The probe is not running.</exception>
    public T WithRunningSession<T>(Func<T> read)
    {
        lock (_gate)
        {
            if (_state != StateRunning)
                throw new InvalidOperationException($"the {description} is not running");
            return read();
        }
    }

    /// <summary>
    /// Runs <paramref name="read"/> while the kernel objects exist: from start until stop frees
    /// them, so also in the last publication; <paramref name="fallback"/> before and after.
    /// </summary>
    public T WithKernelObjects<T>(Func<T> read, T fallback)
    {
        lock (_gate)
            return _session is not null ? read() : fallback;
    }

    /// <summary>Runs a publication marked as this probe's callback, so a Dispose inside it is deferred.</summary>
    public void AsCallback(Action publish)
    {
        var outer = t_callbackOf;
        t_callbackOf = this;
        try
        {
            publish();
        }
        finally
        {
            t_callbackOf = outer;
        }
    }

    public void Dispose()
    {
        if (DeferredFromCallback())
            return;
        if (BeginStop())
        {
            _ticker?.GetAwaiter().GetResult();
            FinishStop();
        }
        stopped();
    }

    public async ValueTask DisposeAsync()
    {
        if (DeferredFromCallback())
            return;
        if (BeginStop())
        {
            if (_ticker is { } ticker)
                await ticker.ConfigureAwait(false);
            FinishStop();
        }
        stopped();
    }

    private bool DeferredFromCallback()
    {
        if (t_callbackOf != this)
            return false;
        ThreadPool.UnsafeQueueUserWorkItem(static runner => runner.Dispose(), this, preferLocal: false);
        return true;
    }

    /// <summary>Marks the probe disposed and stops its loops; true when it was running.</summary>
    private bool BeginStop()
    {
        lock (_gate)
        {
            if (_state == StateDisposed)
                return false;
            var wasRunning = _state == StateRunning;
            _state = StateDisposed;
            _stop.Cancel();
            return wasRunning;
        }
    }

    private void FinishStop()
    {
        var session = _session!;
        _reader?.Join();
        session.Detach();
        // Detached: what the maps and the ring hold now is final.
        if (session.PublishInterval is not null)
            PublishInterval(session);
        if (session.ConsumeEvents is { } consume)
            AsCallback(consume);
        session.Stopped?.Invoke();
        lock (_gate)
        {
            session.Dispose();
            _session = null;
        }
        logger.LogInformation("{Probe} detached", description);
    }

    private async Task TickAsync(TimeSpan interval)
    {
        using var timer = new PeriodicTimer(interval);
        try
        {
            while (await timer.WaitForNextTickAsync(_stop.Token).ConfigureAwait(false))
                PublishInterval(_session!);
        }
        catch (OperationCanceledException)
        {
            // Dispose stops the timer; the last reading is published by FinishStop.
        }
    }

    private void PublishInterval(ProbeSession session)
    {
        lock (_readGate)
        {
            try
            {
                AsCallback(session.PublishInterval!);
                readHealth(null);
            }
            catch (Exception e) when (e is BpfException or IOException)
            {
                logger.LogError(e, "{Probe}: reading the kernel's maps failed", description);
                readHealth($"reading the kernel's maps failed: {e.Message}");
            }
        }
    }

    private void ReadEvents()
    {
        var session = _session!;
        var token = _stop.Token;
        t_callbackOf = this;
        try
        {
            while (!token.IsCancellationRequested)
            {
                session.ConsumeEvents!();
                session.WaitEvents!(token);
            }
        }
        catch (BpfException e)
        {
            logger.LogError(e, "{Probe}: reading the event ring buffer failed; no more events", description);
            EventReaderError = $"reading the event ring buffer failed, no more events: {e.Message}";
            readHealth(null);
        }
    }
}
