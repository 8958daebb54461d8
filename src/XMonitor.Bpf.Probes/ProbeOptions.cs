namespace XMonitor.Bpf.Probes;

/// <summary>
/// What every probe's options have: a forced attach strategy, and a check that names every bad
/// option at once. A probe takes a copy when it is created, so changing options later changes
/// nothing in a running probe.
/// </summary>
public abstract class ProbeOptions
{
    private protected ProbeOptions()
    {
    }

    /// <summary>
    /// Forces an attach strategy, one of <see cref="SupportedStrategies"/>. Null (default) takes the
    /// first of those the kernel offers, falling back to the next when the kernel refuses one; a
    /// forced one the kernel lacks fails the start with <see cref="BpfNotSupportedException"/>.
    /// </summary>
    public BpfAttachKind? AttachStrategy { get; set; }

    /// <summary>The strategies the probe has programs for, in its order of preference.</summary>
    public abstract IReadOnlyList<BpfAttachKind> SupportedStrategies { get; }

    /// <summary>The probe's name in messages ("CacheStat probe").</summary>
    private protected abstract string ProbeDescription { get; }

    /// <summary>Every problem of these options, each naming its option; empty when they are valid.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        AddErrors(errors);
        if (AttachStrategy is { } strategy && !SupportedStrategies.Contains(strategy))
            errors.Add($"{nameof(AttachStrategy)} {strategy} is not available for the {ProbeDescription}: it has programs for {Describe(SupportedStrategies)}");
        return errors;
    }

    /// <summary>Adds the problems of the probe's own options to <paramref name="errors"/>.</summary>
    private protected abstract void AddErrors(List<string> errors);

    /// <summary>Strategies as a list in words: <c>BtfRawTracepoint (tp_btf) and RawTracepoint (raw_tp)</c>.</summary>
    private protected static string Describe(IReadOnlyList<BpfAttachKind> strategies)
    {
        var names = strategies.Select(s => $"{s} ({s.SectionPrefix()})").ToList();
        return names.Count < 2 ? string.Concat(names) : $"{string.Join(", ", names[..^1])} and {names[^1]}";
    }

    /// <summary>A copy, so that changing these options after start does not change a running probe.</summary>
    internal ProbeOptions Clone() => (ProbeOptions)MemberwiseClone();
}
