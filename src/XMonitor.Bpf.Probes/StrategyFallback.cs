using Microsoft.Extensions.Logging;

namespace XMonitor.Bpf.Probes;

/// <summary>
/// The strategies a probe may start with, in its order of preference, and the runtime fallback
/// over them: each is loaded and attached in turn until one works. A strategy the kernel does not
/// offer (its feature probe failed, its functions do not exist) is passed over with the reason
/// before anything is loaded; one the kernel refuses when loading or attaching (an older verifier,
/// a function that cannot be traced, perf events refused by kernel.perf_event_paranoid) is logged
/// and the next one tried. A forced strategy is the only
/// candidate: it works or its error surfaces, as does the last one's: there is nothing to fall back to.
/// </summary>
/// <typeparam name="TPlan">What a candidate is to the probe: a strategy, or a strategy with the targets it found.</typeparam>
internal sealed class StrategyFallback<TPlan>(string description, ILogger logger)
{
    private readonly List<Candidate> _offered = [];
    private readonly List<(string Name, string Reason)> _notOffered = [];

    /// <summary>Adds a candidate the kernel offers, with why it is one (for the first choice's reason).</summary>
    public void Offer(TPlan plan, ProbeAttachStrategy strategy, string why, string? name = null)
        => _offered.Add(new(plan, strategy, name ?? strategy.SectionName(), why));

    /// <summary>Notes a strategy the kernel does not offer, with the reason, for the chosen one's reason.</summary>
    public void NotOffered(string name, string reason) => _notOffered.Add((name, reason));

    /// <summary>Makes <paramref name="plan"/> the only candidate, without fallback (the options forced it).</summary>
    public void Force(TPlan plan, ProbeAttachStrategy strategy, string? name = null)
    {
        _offered.Clear();
        _offered.Add(new(plan, strategy, name ?? strategy.SectionName(), "forced by options"));
    }

    /// <summary>
    /// Offers each of <paramref name="preference"/> whose kernel feature works and that
    /// <paramref name="unavailable"/> (when given) does not rule out, or forces
    /// <paramref name="forced"/> after checking its feature.
    /// </summary>
    /// <exception cref="BpfNotSupportedException">The forced strategy's feature is missing.</exception>
    public static StrategyFallback<ProbeAttachStrategy> ForStrategies(
        string description, ILogger logger, ProbeAttachStrategy? forced, IReadOnlyList<ProbeAttachStrategy> preference,
        Func<ProbeAttachStrategy, string?>? unavailable = null)
    {
        var fallback = new StrategyFallback<ProbeAttachStrategy>(description, logger);
        if (forced is { } strategy)
        {
            KernelFeatures.Require(strategy.RequiredFeature(), description);
            if (unavailable?.Invoke(strategy) is { } why)
                throw new BpfNotSupportedException(description, strategy.SectionName(), detail: why);
            fallback.Force(strategy, strategy);
            return fallback;
        }
        foreach (var candidate in preference)
        {
            var status = KernelFeatures.Check(candidate.RequiredFeature());
            if (!status.IsSupported)
                fallback.NotOffered(candidate.SectionName(), status.Reason);
            else if (unavailable?.Invoke(candidate) is { } why)
                fallback.NotOffered(candidate.SectionName(), why);
            else
                fallback.Offer(candidate, candidate, $"the kernel offers {candidate.SectionName()}");
        }
        return fallback;
    }

    /// <summary>
    /// Pairs every candidate with each of <paramref name="second"/>'s, for a probe with a second hook
    /// chosen on its own (NAPI's poll timing, OOM kill's oom_kill_process()): the second varies
    /// fastest, so a second hook the kernel refuses falls back before the first does. Names join with
    /// '+'. Without <paramref name="second"/> the second of each pair is its default.
    /// </summary>
    public StrategyFallback<(TPlan First, TSecond? Second)> With<TSecond>(StrategyFallback<TSecond>? second)
        where TSecond : struct
    {
        var pairs = new StrategyFallback<(TPlan, TSecond?)>(description, logger);
        pairs._notOffered.AddRange(_notOffered);
        if (second is null)
        {
            pairs._offered.AddRange(_offered.Select(a => new StrategyFallback<(TPlan, TSecond?)>.Candidate((a.Plan, default), a.Strategy, a.Name, a.Why)));
            return pairs;
        }
        pairs._notOffered.AddRange(second._notOffered);
        foreach (var a in _offered)
        {
            foreach (var b in second._offered)
                pairs._offered.Add(new((a.Plan, (TSecond?)b.Plan), a.Strategy, $"{a.Name}+{b.Name}", $"{a.Why}, {b.Why}"));
        }
        return pairs;
    }

    /// <summary>
    /// Runs <paramref name="attach"/> (which loads and attaches a candidate, and releases what it
    /// made when it throws) for each candidate in turn until one works.
    /// </summary>
    /// <exception cref="BpfNotSupportedException">No candidate is offered; names every reason.</exception>
    /// <exception cref="BpfException">The last candidate (or the forced one) failed.</exception>
    public (ProbeSession Session, TPlan Plan, ProbeStrategyChoice Choice) Attach(Func<TPlan, ProbeSession> attach)
    {
        if (_offered.Count == 0)
            throw new BpfNotSupportedException(description, string.Join(" or ", _notOffered.Select(n => n.Name)), detail: NotOfferedText);

        var failures = new List<ProbeStrategyFailure>();
        for (var i = 0; ; i++)
        {
            var candidate = _offered[i];
            var last = i == _offered.Count - 1;
            try
            {
                if (StrategyRefusal.ForTests.Value == candidate.Name)
                    throw new BpfException($"{description}: {candidate.Name}", 13, "refused by the test seam StrategyRefusal.ForTests");
                var session = attach(candidate.Plan);
                var reason = _notOffered.Count == 0 ? candidate.Why : $"{candidate.Why}; {NotOfferedText}";
                return (session, candidate.Plan, new ProbeStrategyChoice(candidate.Strategy, candidate.Name, reason, failures));
            }
            // Permission errors too: they can be the strategy's own (perf events refused by
            // kernel.perf_event_paranoid while fentry needs none), and the last one still surfaces.
            catch (BpfException e) when (!last)
            {
                var next = _offered[i + 1].Name;
                logger.LogWarning(e, "{Probe}: {Strategy} failed to load or attach; trying {Next}", description, candidate.Name, next);
                failures.Add(new ProbeStrategyFailure(candidate.Name, e.Message));
            }
        }
    }

    private string NotOfferedText => string.Join("; ", _notOffered.Select(n => $"no {n.Name}: {n.Reason}"));

    private sealed record Candidate(TPlan Plan, ProbeAttachStrategy Strategy, string Name, string Why);
}
