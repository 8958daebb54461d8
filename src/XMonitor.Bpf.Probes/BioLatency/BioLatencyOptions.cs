namespace XMonitor.Bpf.Probes.BioLatency;

/// <summary>
/// What <see cref="BioLatencyProbe"/> records and how often it reports. Checked when the probe starts
/// (and, registered through DI, when the host starts): a bad value fails with a message naming the option.
/// </summary>
public sealed class BioLatencyOptions
{
    /// <summary>The shortest <see cref="Interval"/>: reading maps more often only costs CPU.</summary>
    public static readonly TimeSpan MinInterval = TimeSpan.FromMilliseconds(10);

    /// <summary>The longest <see cref="Interval"/>.</summary>
    public static readonly TimeSpan MaxInterval = TimeSpan.FromDays(1);

    /// <summary>How often the histograms and counters are read and published. Default 1 s.</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>The unit of the histograms. Default microseconds, as BCC's biolatency.</summary>
    public HistogramUnit Unit { get; set; } = HistogramUnit.Microseconds;

    /// <summary>
    /// Only this disk: its name as in <c>/sys/block</c> (<c>vda</c>) or <c>major:minor</c>. Requests
    /// are counted per whole disk, so a partition is refused with its disk's name. Null (default): every disk.
    /// </summary>
    public string? Disk { get; set; }

    /// <summary>
    /// A request whose service time reaches this produces a <see cref="SlowBlockIoEvent"/>.
    /// <see cref="TimeSpan.Zero"/> (default) turns these events off.
    /// </summary>
    public TimeSpan SlowThreshold { get; set; } = TimeSpan.Zero;

    /// <summary>
    /// Forces an attach strategy: <see cref="ProbeAttachStrategy.BtfRawTracepoint"/> or
    /// <see cref="ProbeAttachStrategy.RawTracepoint"/>. Null (default) picks tp_btf where the kernel
    /// has it, raw_tp otherwise.
    /// </summary>
    public ProbeAttachStrategy? AttachStrategy { get; set; }

    /// <summary>The strategies the probe's programs exist for, in order of preference.</summary>
    internal static IReadOnlyList<ProbeAttachStrategy> SupportedStrategies { get; } = [ProbeAttachStrategy.BtfRawTracepoint, ProbeAttachStrategy.RawTracepoint];

    /// <summary>Every problem of these options, each naming its option; empty when they are valid.</summary>
    internal IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (Interval < MinInterval || Interval > MaxInterval)
            errors.Add($"{nameof(Interval)} must be between {MinInterval.TotalMilliseconds} ms and {MaxInterval.TotalDays} day, not {Interval}");
        if (Unit is not (HistogramUnit.Microseconds or HistogramUnit.Nanoseconds))
            errors.Add($"{nameof(Unit)} must be {nameof(HistogramUnit.Microseconds)} or {nameof(HistogramUnit.Nanoseconds)}, not {Unit}");
        if (Disk is not null && DiskResolver.Problem(Disk) is { } problem)
            errors.Add($"{nameof(Disk)} {problem}");
        if (SlowThreshold < TimeSpan.Zero)
            errors.Add($"{nameof(SlowThreshold)} must not be negative ({SlowThreshold}); use TimeSpan.Zero to turn slow-request events off");
        if (AttachStrategy is { } strategy && !SupportedStrategies.Contains(strategy))
            errors.Add($"{nameof(AttachStrategy)} {strategy} is not available for the block I/O probe: it has programs for {string.Join(" and ", SupportedStrategies.Select(s => $"{s} ({s.SectionName()})"))}");
        return errors;
    }

    /// <summary>A copy, so that changing these options after start does not change a running probe.</summary>
    internal BioLatencyOptions Clone() => (BioLatencyOptions)MemberwiseClone();
}
