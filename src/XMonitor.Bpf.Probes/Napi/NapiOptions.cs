namespace XMonitor.Bpf.Probes.Napi;

/// <summary>
/// What <see cref="NapiProbe"/> records and how often it reports. Checked when the probe starts
/// (and, registered through DI, when the host starts): a bad value fails with a message naming the option.
/// </summary>
public sealed class NapiOptions : SampledProbeOptions
{
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
    /// Forces the strategy of the poll timing (with <see cref="MeasurePollTime"/>):
    /// <see cref="BpfAttachKind.Fentry"/>, <see cref="BpfAttachKind.Kprobe"/> or
    /// <see cref="BpfAttachKind.Tracepoint"/> (the NET_RX softirq, approximate). Null (default)
    /// picks the first of them the kernel offers.
    /// </summary>
    public BpfAttachKind? PollTimeStrategy { get; set; }

    /// <summary>The strategies of the poll counters: tp_btf where the kernel has it, the classic tracepoint otherwise.</summary>
    public override IReadOnlyList<BpfAttachKind> SupportedStrategies { get; } = [BpfAttachKind.BtfRawTracepoint, BpfAttachKind.Tracepoint];

    /// <inheritdoc/>
    private protected override string ProbeDescription => "NAPI probe's counters";

    /// <summary>The strategies of the poll timing, in order of preference (the last one approximate).</summary>
    internal static IReadOnlyList<BpfAttachKind> TimingStrategies { get; } = [BpfAttachKind.Fentry, BpfAttachKind.Kprobe, BpfAttachKind.Tracepoint];

    /// <inheritdoc/>
    private protected override void AddErrors(List<string> errors)
    {
        base.AddErrors(errors);
        if (InterfaceIndex < 0)
            errors.Add($"{nameof(InterfaceIndex)} must not be negative ({InterfaceIndex}); use 0 for every device");
        if (PollTimeStrategy is { } timing)
        {
            if (!TimingStrategies.Contains(timing))
                errors.Add($"{nameof(PollTimeStrategy)} {timing} is not available for the NAPI probe's poll timing: it has programs for {Describe(TimingStrategies)}");
            if (!MeasurePollTime)
                errors.Add($"{nameof(PollTimeStrategy)} needs {nameof(MeasurePollTime)} = true");
        }
    }
}
