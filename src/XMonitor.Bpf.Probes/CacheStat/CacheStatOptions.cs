namespace XMonitor.Bpf.Probes.CacheStat;

/// <summary>
/// What <see cref="CacheStatProbe"/> records and how often it reports. Checked when the probe starts
/// (and, registered through DI, when the host starts): a bad value fails with a message naming the
/// option.
/// </summary>
public sealed class CacheStatOptions
{
    /// <summary>The shortest <see cref="Interval"/>: reading maps more often only costs CPU.</summary>
    public static readonly TimeSpan MinInterval = TimeSpan.FromMilliseconds(10);

    /// <summary>The longest <see cref="Interval"/>.</summary>
    public static readonly TimeSpan MaxInterval = TimeSpan.FromDays(1);

    /// <summary>The most processes a sample may list (the kernel map's size).</summary>
    public const int MaxTopProcesses = 10240;

    /// <summary>How often the counters are read and a <see cref="CacheStatSample"/> published. Default 1 s.</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromSeconds(1);

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

    /// <summary>
    /// Forces an attach strategy: <see cref="ProbeAttachStrategy.Fentry"/>,
    /// <see cref="ProbeAttachStrategy.Kprobe"/> or <see cref="ProbeAttachStrategy.BtfRawTracepoint"/>
    /// (the tracepoint strategy). Null (default) takes the first of these the kernel offers; a forced
    /// one the kernel lacks fails the start with <see cref="BpfNotSupportedException"/>.
    /// </summary>
    public ProbeAttachStrategy? AttachStrategy { get; set; }

    /// <summary>The strategies the probe's programs exist for, in order of preference.</summary>
    internal static IReadOnlyList<ProbeAttachStrategy> SupportedStrategies { get; } =
        [ProbeAttachStrategy.Fentry, ProbeAttachStrategy.Kprobe, ProbeAttachStrategy.BtfRawTracepoint];

    /// <summary>Every problem of these options, each naming its option; empty when they are valid.</summary>
    internal IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (Interval < MinInterval || Interval > MaxInterval)
            errors.Add($"{nameof(Interval)} must be between {MinInterval.TotalMilliseconds} ms and {MaxInterval.TotalDays} day, not {Interval}");
        if (TopProcesses < 0 || TopProcesses > MaxTopProcesses)
            errors.Add($"{nameof(TopProcesses)} must be between 0 and {MaxTopProcesses}, not {TopProcesses}");
        if (Filter is null)
            errors.Add($"{nameof(Filter)} must not be null; use ProcessFilter.All to count every process");
        if (AttachStrategy is { } strategy && !SupportedStrategies.Contains(strategy))
            errors.Add($"{nameof(AttachStrategy)} {strategy} is not available for the CacheStat probe: it has programs for {string.Join(", ", SupportedStrategies.Select(s => $"{s} ({s.SectionName()})"))}");
        return errors;
    }

    /// <summary>A copy, so that changing these options after start does not change a running probe.</summary>
    internal CacheStatOptions Clone() => (CacheStatOptions)MemberwiseClone();
}
