namespace XMonitor.Bpf.Probes.CacheStat;

/// <summary>
/// What <see cref="CacheStatProbe"/> records and how often it reports. Checked when the probe starts
/// (and, registered through DI, when the host starts): a bad value fails with a message naming the
/// option.
/// </summary>
public sealed class CacheStatOptions : SampledProbeOptions
{
    /// <summary>The most processes a sample may list (the kernel map's size).</summary>
    public const int MaxTopProcesses = 10240;

    /// <summary>
    /// How many processes each sample lists, busiest first (<see cref="CacheStatSample.Processes"/>).
    /// 0 lists none; the system-wide counts are there either way. Default 10.
    /// </summary>
    public int TopProcesses { get; set; } = 10;

    /// <summary>
    /// Which processes are counted per process (decided in the kernel). The system-wide counts
    /// always include every process. Default <see cref="ProcessFilter.All"/>.
    /// </summary>
    public ProcessFilter Filter { get; set; } = ProcessFilter.All;

    /// <summary>The strategies the probe's programs exist for, in order of preference.</summary>
    public override IReadOnlyList<BpfAttachKind> SupportedStrategies { get; } =
        [BpfAttachKind.Fentry, BpfAttachKind.Kprobe, BpfAttachKind.BtfRawTracepoint];

    /// <inheritdoc/>
    private protected override string ProbeDescription => "CacheStat probe";

    /// <inheritdoc/>
    private protected override void AddErrors(List<string> errors)
    {
        base.AddErrors(errors);
        if (TopProcesses < 0 || TopProcesses > MaxTopProcesses)
            errors.Add($"{nameof(TopProcesses)} must be between 0 and {MaxTopProcesses}, not {TopProcesses}");
        if (Filter is null)
            errors.Add($"{nameof(Filter)} must not be null; use ProcessFilter.All to count every process");
    }
}
