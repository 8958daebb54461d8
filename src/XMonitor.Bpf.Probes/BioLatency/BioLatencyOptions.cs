namespace XMonitor.Bpf.Probes.BioLatency;

/// <summary>
/// What <see cref="BioLatencyProbe"/> records and how often it reports. Checked when the probe starts
/// (and, registered through DI, when the host starts): a bad value fails with a message naming the option.
/// </summary>
public sealed class BioLatencyOptions : SampledProbeOptions
{
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

    /// <summary>The strategies the probe's programs exist for, in order of preference.</summary>
    public override IReadOnlyList<BpfAttachKind> SupportedStrategies { get; } = [BpfAttachKind.BtfRawTracepoint, BpfAttachKind.RawTracepoint];

    /// <inheritdoc/>
    private protected override string ProbeDescription => "block I/O probe";

    /// <inheritdoc/>
    private protected override void AddErrors(List<string> errors)
    {
        base.AddErrors(errors);
        if (Unit is not (HistogramUnit.Microseconds or HistogramUnit.Nanoseconds))
            errors.Add($"{nameof(Unit)} must be {nameof(HistogramUnit.Microseconds)} or {nameof(HistogramUnit.Nanoseconds)}, not {Unit}");
        if (Disk is not null && DiskResolver.Problem(Disk) is { } problem)
            errors.Add($"{nameof(Disk)} {problem}");
        if (SlowThreshold < TimeSpan.Zero)
            errors.Add($"{nameof(SlowThreshold)} must not be negative ({SlowThreshold}); use TimeSpan.Zero to turn slow-request events off");
    }
}
