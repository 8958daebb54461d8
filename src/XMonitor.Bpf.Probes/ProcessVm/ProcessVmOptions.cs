namespace XMonitor.Bpf.Probes.ProcessVm;

/// <summary>
/// What <see cref="ProcessVmProbe"/> records and how often it reports. Checked when the probe starts
/// (and, registered through DI, when the host starts): a bad value fails with a message naming the
/// option.
/// </summary>
public sealed class ProcessVmOptions : SampledProbeOptions
{
    /// <summary>The largest <see cref="MaxProcesses"/> and <see cref="MaxRanges"/>.</summary>
    public const int MaxMapEntries = 1 << 22;

    /// <summary>Which processes are recorded. Default <see cref="ProcessFilter.All"/>.</summary>
    public ProcessFilter Filter { get; set; } = ProcessFilter.All;

    /// <summary>
    /// A single allocation (mmap, mremap growth, brk growth) of at least this many bytes produces a
    /// <see cref="ProcessVmEvent"/>. 0 (default) turns these events off.
    /// </summary>
    public ulong AllocationThresholdBytes { get; set; }

    /// <summary>How many processes the kernel keeps figures for at once. Default 10240.</summary>
    public int MaxProcesses { get; set; } = 10240;

    /// <summary>Without VMA lookup only: how many mappings the kernel remembers at once, over all processes. Default 65536.</summary>
    public int MaxRanges { get; set; } = 65536;

    /// <summary>
    /// How an unmapped range is classified: true looks the process's own VMAs up with
    /// <c>bpf_find_vma</c> (5.17+; exact for partial and multi-mapping unmaps, about 1 µs), false
    /// remembers every mapping the probe saw in a map that an unmap walks (any kernel; a walk over
    /// thousands of ranges costs hundreds of µs). The fentry and kprobe strategies need false. Null
    /// (default) uses VMA lookup where the strategy and the kernel allow it.
    /// </summary>
    public bool? VmaLookup { get; set; }

    /// <summary>The strategies of mmap and munmap the probe has programs for.</summary>
    public override IReadOnlyList<BpfAttachKind> SupportedStrategies { get; } = [BpfAttachKind.Tracepoint, BpfAttachKind.Fentry, BpfAttachKind.Kprobe];

    /// <inheritdoc/>
    private protected override string ProbeDescription => "process VM probe";

    /// <inheritdoc/>
    private protected override void AddErrors(List<string> errors)
    {
        base.AddErrors(errors);
        if (Filter is null)
            errors.Add($"{nameof(Filter)} must not be null; use ProcessFilter.All to record every process");
        if (MaxProcesses < 1 || MaxProcesses > MaxMapEntries)
            errors.Add($"{nameof(MaxProcesses)} must be between 1 and {MaxMapEntries}, not {MaxProcesses}");
        if (MaxRanges < 1 || MaxRanges > MaxMapEntries)
            errors.Add($"{nameof(MaxRanges)} must be between 1 and {MaxMapEntries}, not {MaxRanges}");
        if (VmaLookup == true && AttachStrategy is BpfAttachKind.Fentry or BpfAttachKind.Kprobe)
            errors.Add($"{nameof(VmaLookup)} cannot be used with {nameof(AttachStrategy)} {AttachStrategy}: do_mmap runs under the mmap lock, where bpf_find_vma cannot look");
    }
}
