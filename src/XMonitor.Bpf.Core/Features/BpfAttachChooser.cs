using Microsoft.Extensions.Logging;

namespace XMonitor.Bpf;

/// <summary>
/// The attach kinds a set of programs may use, in order of preference, and the runtime fallback
/// over them: each candidate is loaded and attached in turn until one works. A kind the kernel does
/// not offer (its feature probe failed, its functions do not exist) is passed over with the reason
/// before anything is loaded; one the kernel refuses when loading or attaching (an older verifier,
/// a function that cannot be traced, perf events refused by kernel.perf_event_paranoid) is logged
/// and the next one tried. A forced kind is the only candidate: it works or its error surfaces, as
/// does the last one's: there is nothing to fall back to.
/// </summary>
/// <typeparam name="TPlan">What a candidate is to the caller: an attach kind, or a kind with the targets it found.</typeparam>
/// <param name="description">What is attached, for messages ("page cache probe").</param>
/// <param name="logger">Where a refused candidate is logged (a warning with the error).</param>
public sealed class BpfAttachChooser<TPlan>(string description, ILogger logger)
{
    private readonly List<Candidate> _offered = [];
    private readonly List<(string Name, string Reason)> _notOffered = [];

    /// <summary>Adds a candidate the kernel offers, with why it is one (for the first choice's reason).</summary>
    /// <param name="plan">The candidate.</param>
    /// <param name="strategy">Its attach kind.</param>
    /// <param name="why">Why it is offered ("the kernel offers fentry").</param>
    /// <param name="name">Its name in messages; by default the kind's section prefix.</param>
    public void Offer(TPlan plan, BpfAttachKind strategy, string why, string? name = null)
        => _offered.Add(new(plan, strategy, name ?? strategy.SectionPrefix(), why));

    /// <summary>Notes a candidate the kernel does not offer, with the reason, for the chosen one's reason.</summary>
    /// <param name="name">The candidate's name in messages.</param>
    /// <param name="reason">What the kernel lacks.</param>
    public void NotOffered(string name, string reason) => _notOffered.Add((name, reason));

    /// <summary>Makes <paramref name="plan"/> the only candidate, without fallback (the options forced it).</summary>
    /// <param name="plan">The candidate.</param>
    /// <param name="strategy">Its attach kind.</param>
    /// <param name="name">Its name in messages; by default the kind's section prefix.</param>
    public void Force(TPlan plan, BpfAttachKind strategy, string? name = null)
    {
        _offered.Clear();
        _offered.Add(new(plan, strategy, name ?? strategy.SectionPrefix(), "forced by options"));
    }

    /// <summary>
    /// Offers each of <paramref name="preference"/> whose kernel feature works and that
    /// <paramref name="unavailable"/> (when given) does not rule out, or forces
    /// <paramref name="forced"/> after checking its feature.
    /// </summary>
    /// <param name="description">What is attached, for messages.</param>
    /// <param name="logger">Where refused candidates are logged.</param>
    /// <param name="forced">The kind the options force, or null to choose.</param>
    /// <param name="preference">The kinds there are programs for, best first.</param>
    /// <param name="unavailable">Why a kind cannot be used although its feature works (its functions do not exist...), or null when it can.</param>
    /// <exception cref="BpfNotSupportedException">The forced kind's feature is missing.</exception>
    public static BpfAttachChooser<BpfAttachKind> ForStrategies(
        string description, ILogger logger, BpfAttachKind? forced, IReadOnlyList<BpfAttachKind> preference,
        Func<BpfAttachKind, string?>? unavailable = null)
    {
        var fallback = new BpfAttachChooser<BpfAttachKind>(description, logger);
        if (forced is { } strategy)
        {
            KernelFeatures.Require(strategy.RequiredFeature(), description);
            if (unavailable?.Invoke(strategy) is { } why)
                throw new BpfNotSupportedException(description, strategy.SectionPrefix(), detail: why);
            fallback.Force(strategy, strategy);
            return fallback;
        }
        foreach (var candidate in preference)
        {
            var status = KernelFeatures.Check(candidate.RequiredFeature());
            if (!status.IsSupported)
                fallback.NotOffered(candidate.SectionPrefix(), status.Reason);
            else if (unavailable?.Invoke(candidate) is { } why)
                fallback.NotOffered(candidate.SectionPrefix(), why);
            else
                fallback.Offer(candidate, candidate, $"the kernel offers {candidate.SectionPrefix()}");
        }
        return fallback;
    }

    /// <summary>
    /// Pairs every candidate with each of <paramref name="second"/>'s, for programs with a second hook
    /// chosen on its own (a timing hook beside a counting one, say): the second varies
    /// fastest, so a second hook the kernel refuses falls back before the first does. Names join with
    /// '+'. Without <paramref name="second"/> the second of each pair is its default.
    /// </summary>
    /// <typeparam name="TSecond">The second hook's candidates.</typeparam>
    /// <param name="second">The second hook's chooser; null when there is no second hook.</param>
    public BpfAttachChooser<(TPlan First, TSecond? Second)> With<TSecond>(BpfAttachChooser<TSecond>? second)
        where TSecond : struct
    {
        var pairs = new BpfAttachChooser<(TPlan, TSecond?)>(description, logger);
        pairs._notOffered.AddRange(_notOffered);
        if (second is null)
        {
            pairs._offered.AddRange(_offered.Select(a => new BpfAttachChooser<(TPlan, TSecond?)>.Candidate((a.Plan, default), a.Strategy, a.Name, a.Why)));
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
    /// <typeparam name="TResult">What a working attach gives (links, a session...).</typeparam>
    /// <param name="attach">Loads and attaches one candidate; releases what it made when it throws.</param>
    /// <returns>What <paramref name="attach"/> gave, the candidate that worked, and the choice with its reason and the failures before it.</returns>
    /// <exception cref="BpfNotSupportedException">No candidate is offered; names every reason.</exception>
    /// <exception cref="BpfException">The last candidate (or the forced one) failed.</exception>
    public (TResult Result, TPlan Plan, BpfAttachChoice Choice) Attach<TResult>(Func<TPlan, TResult> attach)
    {
        if (_offered.Count == 0)
            throw new BpfNotSupportedException(description, string.Join(" or ", _notOffered.Select(n => n.Name)), detail: NotOfferedText);

        var failures = new List<BpfAttachFailure>();
        for (var i = 0; ; i++)
        {
            var candidate = _offered[i];
            var last = i == _offered.Count - 1;
            try
            {
                if (BpfAttachRefusal.ForTests.Value == candidate.Name)
                    throw new BpfException($"{description}: {candidate.Name}", 13, "refused by the test seam BpfAttachRefusal.ForTests");
                var result = attach(candidate.Plan);
                var reason = _notOffered.Count == 0 ? candidate.Why : $"{candidate.Why}; {NotOfferedText}";
                return (result, candidate.Plan, new BpfAttachChoice(candidate.Strategy, candidate.Name, reason, failures));
            }
            // Permission errors too: they can be the strategy's own (perf events refused by
            // kernel.perf_event_paranoid while fentry needs none), and the last one still surfaces.
            catch (BpfException e) when (!last)
            {
                var next = _offered[i + 1].Name;
                logger.LogWarning(e, "{Programs}: {Strategy} failed to load or attach; trying {Next}", description, candidate.Name, next);
                failures.Add(new BpfAttachFailure(candidate.Name, e.Message));
            }
        }
    }

    private string NotOfferedText => string.Join("; ", _notOffered.Select(n => $"no {n.Name}: {n.Reason}"));

    private sealed record Candidate(TPlan Plan, BpfAttachKind Strategy, string Name, string Why);
}
