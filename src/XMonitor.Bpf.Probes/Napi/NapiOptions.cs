namespace XMonitor.Bpf.Probes.Napi;

/// <summary>
/// What <see cref="NapiProbe"/> records and how often it reports. Checked when the probe starts
/// (and, registered through DI, when the host starts): a bad value fails with a message naming the option.
/// </summary>
public sealed class NapiOptions
{
    /// <summary>The shortest <see cref="Interval"/>: reading maps more often only costs CPU.</summary>
    public static readonly TimeSpan MinInterval = TimeSpan.FromMilliseconds(10);

    /// <summary>The longest <see cref="Interval"/>.</summary>
    public static readonly TimeSpan MaxInterval = TimeSpan.FromDays(1);

    /// <summary>How often the counters and histograms are read and published. Default 1 s.</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Only devices of this network namespace (its inode number, N of <c>net:[N]</c>); 0 (default): every namespace.</summary>
    public uint NetworkNamespace { get; set; }

    /// <summary>Only the device with this interface index (in <see cref="NetworkNamespace"/>, or in every namespace); 0 (default): every device.</summary>
    public int InterfaceIndex { get; set; }

    /// <summary>
    /// Also measure the time per poll: exactly with fentry/fexit or kprobes on <c>__napi_poll</c>
    /// where the kernel has them, approximately from the NET_RX softirq's tracepoints otherwise
    /// (see <see cref="NapiProbe.PollTimeStrategy"/>). Default false: only the counters and the
    /// work histogram, one program.
    /// </summary>
    public bool MeasurePollTime { get; set; }

    /// <summary>
    /// Forces the strategy of the poll counters: <see cref="ProbeAttachStrategy.BtfRawTracepoint"/>
    /// or <see cref="ProbeAttachStrategy.Tracepoint"/>. Null (default) picks tp_btf where the kernel
    /// has it, the classic tracepoint otherwise.
    /// </summary>
    public ProbeAttachStrategy? AttachStrategy { get; set; }

    /// <summary>
    /// Forces the strategy of the poll timing (with <see cref="MeasurePollTime"/>):
    /// <see cref="ProbeAttachStrategy.Fentry"/>, <see cref="ProbeAttachStrategy.Kprobe"/> or
    /// <see cref="ProbeAttachStrategy.Tracepoint"/> (the NET_RX softirq, approximate). Null (default)
    /// picks the first of them the kernel offers.
    /// </summary>
    public ProbeAttachStrategy? PollTimeStrategy { get; set; }

    /// <summary>The strategies of the poll counters, in order of preference.</summary>
    internal static IReadOnlyList<ProbeAttachStrategy> SupportedStrategies { get; } = [ProbeAttachStrategy.BtfRawTracepoint, ProbeAttachStrategy.Tracepoint];

    /// <summary>The strategies of the poll timing, in order of preference (the last one approximate).</summary>
    internal static IReadOnlyList<ProbeAttachStrategy> TimingStrategies { get; } = [ProbeAttachStrategy.Fentry, ProbeAttachStrategy.Kprobe, ProbeAttachStrategy.Tracepoint];

    /// <summary>Every problem of these options, each naming its option; empty when they are valid.</summary>
    internal IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (Interval < MinInterval || Interval > MaxInterval)
            errors.Add($"{nameof(Interval)} must be between {MinInterval.TotalMilliseconds} ms and {MaxInterval.TotalDays} day, not {Interval}");
        if (InterfaceIndex < 0)
            errors.Add($"{nameof(InterfaceIndex)} must not be negative ({InterfaceIndex}); use 0 for every device");
        if (AttachStrategy is { } strategy && !SupportedStrategies.Contains(strategy))
            errors.Add($"{nameof(AttachStrategy)} {strategy} is not available for the NAPI probe's counters: it has programs for {string.Join(" and ", SupportedStrategies.Select(s => $"{s} ({s.SectionName()})"))}");
        if (PollTimeStrategy is { } timing)
        {
            if (!TimingStrategies.Contains(timing))
                errors.Add($"{nameof(PollTimeStrategy)} {timing} is not available for the NAPI probe's poll timing: it has programs for {string.Join(", ", TimingStrategies.Select(s => $"{s} ({s.SectionName()})"))}");
            if (!MeasurePollTime)
                errors.Add($"{nameof(PollTimeStrategy)} needs {nameof(MeasurePollTime)} = true");
        }
        return errors;
    }

    /// <summary>A copy, so that changing these options after start does not change a running probe.</summary>
    internal NapiOptions Clone() => (NapiOptions)MemberwiseClone();
}
