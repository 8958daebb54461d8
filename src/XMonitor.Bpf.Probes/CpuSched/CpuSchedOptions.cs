namespace XMonitor.Bpf.Probes.CpuSched;

/// <summary>
/// What <see cref="CpuSchedProbe"/> records and how often it reports. Checked when the probe starts
/// (and, registered through DI, when the host starts): a bad value fails with a message naming the
/// option.
/// </summary>
public sealed class CpuSchedOptions
{
    /// <summary>The shortest <see cref="Interval"/>: reading maps more often only costs CPU.</summary>
    public static readonly TimeSpan MinInterval = TimeSpan.FromMilliseconds(10);

    /// <summary>The longest <see cref="Interval"/>.</summary>
    public static readonly TimeSpan MaxInterval = TimeSpan.FromDays(1);

    /// <summary>How often the run-queue latency histograms are read and published. Default 1 s.</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromSeconds(1);

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
        if (AttachStrategy is { } strategy && !SupportedStrategies.Contains(strategy))
            errors.Add($"{nameof(AttachStrategy)} {strategy} is not available for the CPU scheduling probe: it has programs for {string.Join(" and ", SupportedStrategies.Select(s => $"{s} ({s.SectionName()})"))}");
        return errors;
    }

    /// <summary>A copy, so that changing these options after start does not change a running probe.</summary>
    internal CpuSchedOptions Clone() => (CpuSchedOptions)MemberwiseClone();
}
