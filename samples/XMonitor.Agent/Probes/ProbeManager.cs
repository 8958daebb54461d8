using Microsoft.Extensions.Logging;
using XMonitor.Agent.Configuration;
using XMonitor.Agent.Events;
using XMonitor.Bpf;
using XMonitor.Bpf.Probes;
using XMonitor.Bpf.Prometheus;

namespace XMonitor.Agent.Probes;

/// <summary>
/// Runs the configured probes. Each starts on its own: one that fails is recorded (log, /probes,
/// metrics) and the others run. <see cref="ApplyAsync"/> restarts only the probes whose section
/// changed, removing the old collector from the registry and adding the new one; the others keep
/// their programs, maps and cumulative counters.
/// </summary>
internal sealed class ProbeManager(XMonitorMetricsRegistry registry, EventHub events, ILoggerFactory loggers, int maxProcessSeries) : IAsyncDisposable
{
    private readonly ILogger _logger = loggers.CreateLogger<ProbeManager>();
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly Dictionary<string, Slot> _slots = [];
    private readonly Dictionary<string, int> _startFailures = [];
    private readonly Dictionary<string, int> _starts = [];

    /// <summary>Set once the agent dropped its capabilities: from then on no probe can be loaded again.</summary>
    public string? CannotRestartReason { get; set; }

    /// <summary>
    /// Starts every enabled probe of <paramref name="config"/>, one after the other, on the calling
    /// thread. Not at once: measured with every probe on (benchmarks/README.md), concurrent starts
    /// reached /healthz no sooner in a fresh process (708 against 715 ms, the JIT and the verifier
    /// share the same cores) and raised the peak RSS by 21 MB, most likely from libbpf's parses of
    /// the kernel BTF for each object overlapping.
    /// </summary>
    public void Start(AgentConfig config)
    {
        _gate.Wait();
        try
        {
            foreach (var section in config.Probes)
                Launch(section);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// Moves to <paramref name="config"/>: the probes whose section changed are stopped and started
    /// again with the new options; the others are left alone.
    /// </summary>
    /// <returns>The names of the restarted probes.</returns>
    /// <exception cref="InvalidOperationException">A probe would have to restart and <see cref="CannotRestartReason"/> is set; nothing was changed.</exception>
    public async Task<IReadOnlyList<string>> ApplyAsync(AgentConfig config)
    {
        await _gate.WaitAsync().ConfigureAwait(false);
        try
        {
            var changed = config.Probes.Where(s => !_slots.TryGetValue(s.Name, out var slot) || slot.Section.Fingerprint != s.Fingerprint).ToArray();
            if (changed.Length > 0 && CannotRestartReason is { } reason)
                throw new InvalidOperationException($"the change of {string.Join(", ", changed.Select(s => s.Name))} needs a probe restart, but {reason}; restart the agent to apply it");
            foreach (var section in changed)
            {
                if (_slots.TryGetValue(section.Name, out var old))
                    await StopAsync(old).ConfigureAwait(false);
                Launch(section);
            }
            return changed.Select(s => s.Name).ToArray();
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Every probe's state, in catalogue order.</summary>
    public IReadOnlyList<ProbeStatus> Snapshot()
    {
        lock (_slots)
        {
            return ProbeCatalog.All.Where(p => _slots.ContainsKey(p.Name)).Select(p => _slots[p.Name].Status()).ToArray();
        }
    }

    /// <summary>How often each probe failed to start since the agent started.</summary>
    public IReadOnlyDictionary<string, int> StartFailures
    {
        get
        {
            lock (_slots)
                return new Dictionary<string, int>(_startFailures);
        }
    }

    /// <summary>Whether every probe was started at least once (false while the first start is running).</summary>
    public bool Started
    {
        get
        {
            lock (_slots)
                return _slots.Count == ProbeCatalog.All.Count;
        }
    }

    /// <summary>Stops every probe: collectors removed, links detached, objects closed.</summary>
    public async ValueTask DisposeAsync()
    {
        await _gate.WaitAsync().ConfigureAwait(false);
        try
        {
            Slot[] slots;
            lock (_slots)
                slots = [.. _slots.Values];
            foreach (var slot in slots.Reverse())
                await StopAsync(slot).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    private void Launch(ProbeSection section)
    {
        var definition = ProbeCatalog.All.Single(p => p.Name == section.Name);
        var slot = new Slot(section);
        lock (_slots)
            _slots[section.Name] = slot;
        if (!section.Enabled)
        {
            _logger.LogInformation("{Probe}: disabled in the configuration", section.Name);
            return;
        }

        slot.State = ProbeState.Starting;
        lock (_slots)
            slot.Starts = _starts[section.Name] = _starts.GetValueOrDefault(section.Name) + 1;
        Probe? probe = null;
        IBpfMetricsCollector? collector = null;
        IDisposable? subscription = null;
        try
        {
            probe = definition.Create(section.Options, loggers);
            collector = definition.CreateCollector(probe, maxProcessSeries);
            // Before start: some probes only record what is observed.
            if (probe is IEventProbe<object> source)
                subscription = source.Events.Subscribe(events.Observer(definition.EventTypes, section.Name));
            probe.Start();
            registry.Add(collector);
            (slot.Probe, slot.Collector, slot.Subscription) = (probe, collector, subscription);
            slot.StartedAt = DateTimeOffset.UtcNow;
            slot.State = ProbeState.Running;
            _logger.LogInformation("{Probe}: running ({Title}), attached with {Strategy}",
                section.Name, definition.Title, probe.StrategyChoice);
            if (probe.StateReason is { } note)
                _logger.LogWarning("{Probe}: {Note}", section.Name, note);
        }
        catch (Exception e)
        {
            // Whatever one probe throws while starting must not stop the others: the agent is their supervisor.
            subscription?.Dispose();
            (collector as IDisposable)?.Dispose();
            probe?.Dispose();
            slot.State = e is BpfNotSupportedException ? ProbeState.Unsupported : ProbeState.Failed;
            slot.Error = e.Message;
            lock (_slots)
                _startFailures[section.Name] = _startFailures.GetValueOrDefault(section.Name) + 1;
            if (slot.State == ProbeState.Unsupported)
                _logger.LogWarning("{Probe}: not supported by this kernel, the other probes run: {Error}", section.Name, e.Message);
            else
                _logger.LogError(e, "{Probe}: failed to start, the other probes run: {Error}", section.Name, e.Message);
        }
    }

    private async Task StopAsync(Slot slot)
    {
        if (slot.Probe is null)
            return;
        registry.Remove(slot.Collector!);
        (slot.Collector as IDisposable)?.Dispose();
        slot.Subscription?.Dispose();
        await slot.Probe.DisposeAsync().ConfigureAwait(false);
        slot.Probe = null;
        slot.State = ProbeState.Stopped;
        _logger.LogInformation("{Probe}: stopped", slot.Section.Name);
    }

    /// <summary>A strategy as the configuration names it (<c>btf_raw_tracepoint</c>), or null.</summary>
    private static string? Describe(BpfAttachKind? strategy) => strategy is { } s ? Naming.SnakeCase(s.ToString()) : null;

    /// <summary>A probe's current run: its section, its objects and its state.</summary>
    private sealed class Slot(ProbeSection section)
    {
        public ProbeSection Section { get; } = section;
        public volatile ProbeState State = ProbeState.Disabled;
        public volatile string? Error;
        public Probe? Probe;
        public IBpfMetricsCollector? Collector;
        public IDisposable? Subscription;
        public DateTimeOffset? StartedAt;
        public int Starts;

        public ProbeStatus Status()
        {
            var probe = State == ProbeState.Running ? Probe : null;
            var choice = probe?.StrategyChoice;
            return new ProbeStatus(
                Section.Name, Section.Enabled, State, Describe(choice?.Kind), choice?.Name,
                choice?.Reason, [.. choice?.Failures.Select(f => f.ToString()) ?? []], Error, probe?.StateReason,
                probe is null ? [] : Programs(probe), Section.Settings, StartedAt, Starts);
        }

        private static IReadOnlyList<ProgramInfo> Programs(Probe probe)
        {
            try
            {
                return [.. probe.GetProgramStatistics().Select(p => new ProgramInfo(p.Key, p.Value.Id)).OrderBy(p => p.Name, StringComparer.Ordinal)];
            }
            catch (Exception e) when (e is InvalidOperationException or BpfException or ObjectDisposedException)
            {
                // Stopped between the check and the read.
                return [];
            }
        }
    }
}
