namespace XMonitor.Bpf.Probes.ProcessVm;

/// <summary>
/// What <see cref="ProcessVmProbe"/> records and how often it reports. Checked when the probe starts
/// (and, registered through DI, when the host starts): a bad value fails with a message naming the
/// option.
/// </summary>
public sealed class ProcessVmOptions
{
    /// <summary>The shortest <see cref="Interval"/>: reading the map more often only costs CPU.</summary>
    public static readonly TimeSpan MinInterval = TimeSpan.FromMilliseconds(10);

    /// <summary>The longest <see cref="Interval"/>.</summary>
    public static readonly TimeSpan MaxInterval = TimeSpan.FromDays(1);

    /// <summary>The largest <see cref="MaxProcesses"/> and <see cref="MaxRanges"/>.</summary>
    public const int MaxMapEntries = 1 << 22;

    /// <summary>How often a <see cref="ProcessVmSample"/> is published. Default 1 s.</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromSeconds(1);

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
    /// Forces the hook of mmap and munmap: <see cref="ProbeAttachStrategy.Tracepoint"/> (the syscall
    /// tracepoints), <see cref="ProbeAttachStrategy.Fentry"/> or <see cref="ProbeAttachStrategy.Kprobe"/>
    /// (on <c>do_mmap</c> and <c>__vm_munmap</c>, which also see the kernel's own mappings). mremap,
    /// brk, exit and exec always use tracepoints. Null (default) picks the syscall tracepoints where
    /// the kernel has <c>bpf_find_vma</c> (5.17+), else fentry, kprobes, tracepoints in that order.
    /// </summary>
    public ProbeAttachStrategy? AttachStrategy { get; set; }

    /// <summary>
    /// How an unmapped range is classified: true looks the process's own VMAs up with
    /// <c>bpf_find_vma</c> (5.17+; exact for partial and multi-mapping unmaps, about 1 µs), false
    /// remembers every mapping the probe saw in a map that an unmap walks (any kernel; a walk over
    /// thousands of ranges costs hundreds of µs). The fentry and kprobe strategies need false. Null
    /// (default) uses VMA lookup where the strategy and the kernel allow it.
    /// </summary>
    public bool? VmaLookup { get; set; }

    /// <summary>The strategies of mmap and munmap the probe has programs for.</summary>
    internal static IReadOnlyList<ProbeAttachStrategy> SupportedStrategies { get; } = [ProbeAttachStrategy.Tracepoint, ProbeAttachStrategy.Fentry, ProbeAttachStrategy.Kprobe];

    /// <summary>Every problem of these options, each naming its option; empty when they are valid.</summary>
    internal IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (Interval < MinInterval || Interval > MaxInterval)
            errors.Add($"{nameof(Interval)} must be between {MinInterval.TotalMilliseconds} ms and {MaxInterval.TotalDays} day, not {Interval}");
        if (Filter is null)
            errors.Add($"{nameof(Filter)} must not be null; use ProcessFilter.All to record every process");
        if (MaxProcesses < 1 || MaxProcesses > MaxMapEntries)
            errors.Add($"{nameof(MaxProcesses)} must be between 1 and {MaxMapEntries}, not {MaxProcesses}");
        if (MaxRanges < 1 || MaxRanges > MaxMapEntries)
            errors.Add($"{nameof(MaxRanges)} must be between 1 and {MaxMapEntries}, not {MaxRanges}");
        if (AttachStrategy is { } strategy && !SupportedStrategies.Contains(strategy))
            errors.Add($"{nameof(AttachStrategy)} {strategy} is not available for the process VM probe: it has programs for {string.Join(", ", SupportedStrategies.Select(s => $"{s} ({s.SectionName()})"))}");
        if (VmaLookup == true && AttachStrategy is ProbeAttachStrategy.Fentry or ProbeAttachStrategy.Kprobe)
            errors.Add($"{nameof(VmaLookup)} cannot be used with {nameof(AttachStrategy)} {AttachStrategy}: do_mmap runs under the mmap lock, where bpf_find_vma cannot look");
        return errors;
    }

    /// <summary>A copy, so that changing these options after start does not change a running probe.</summary>
    internal ProcessVmOptions Clone() => (ProcessVmOptions)MemberwiseClone();
}
