namespace XMonitor.Bpf.Probes.CpuSched;

/// <summary>
/// What <see cref="CpuSchedProbe"/> records and how often it reports. Checked when the probe starts
/// (and, registered through DI, when the host starts): a bad value fails with a message naming the
/// option.
/// </summary>
public sealed class CpuSchedOptions : SampledProbeOptions
{
    /// <summary>The unit of the histograms. Default microseconds, as BCC's runqlat.</summary>
    public HistogramUnit Unit { get; set; } = HistogramUnit.Microseconds;

    /// <summary>One histogram for the system (default), per process or per cgroup.</summary>
    public CpuSchedAggregation Aggregation { get; set; } = CpuSchedAggregation.System;

    /// <summary>
    /// A thread off a CPU at least this long, in any state, produces an <see cref="OffCpuEvent"/>.
    /// <see cref="TimeSpan.Zero"/> turns these events off. Default 1 s.
    /// </summary>
    public TimeSpan OffCpuThreshold { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// A thread in uninterruptible sleep at least this long produces a <see cref="HungTaskEvent"/>.
    /// <see cref="TimeSpan.Zero"/> turns these events off. Default 5 s. With both thresholds zero the
    /// kernel side skips its off-CPU bookkeeping entirely and only the histograms cost anything.
    /// </summary>
    public TimeSpan HungTaskThreshold { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Which processes are recorded. Default <see cref="ProcessFilter.All"/>.</summary>
    public ProcessFilter Filter { get; set; } = ProcessFilter.All;

    /// <summary>The strategies the probe's programs exist for, in order of preference.</summary>
    public override IReadOnlyList<BpfAttachKind> SupportedStrategies { get; } = [BpfAttachKind.BtfRawTracepoint, BpfAttachKind.RawTracepoint];

    /// <inheritdoc/>
    private protected override string ProbeDescription => "CPU scheduling probe";

    /// <inheritdoc/>
    private protected override void AddErrors(List<string> errors)
    {
        base.AddErrors(errors);
        // Run-queue latency is a time: a count unit would be read as microseconds.
        if (Unit is not (HistogramUnit.Microseconds or HistogramUnit.Nanoseconds))
            errors.Add($"{nameof(Unit)} must be {nameof(HistogramUnit.Microseconds)} or {nameof(HistogramUnit.Nanoseconds)}, not {Unit}");
        if (!Enum.IsDefined(Aggregation))
            errors.Add($"{nameof(Aggregation)} {(int)Aggregation} is not a {nameof(CpuSchedAggregation)}");
        if (OffCpuThreshold < TimeSpan.Zero)
            errors.Add($"{nameof(OffCpuThreshold)} must not be negative ({OffCpuThreshold}); use TimeSpan.Zero to turn off-CPU events off");
        if (HungTaskThreshold < TimeSpan.Zero)
            errors.Add($"{nameof(HungTaskThreshold)} must not be negative ({HungTaskThreshold}); use TimeSpan.Zero to turn hung-task events off");
        if (Filter is null)
            errors.Add($"{nameof(Filter)} must not be null; use ProcessFilter.All to record every process");
    }
}
