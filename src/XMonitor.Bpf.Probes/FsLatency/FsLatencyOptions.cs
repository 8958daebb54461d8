using System.Text;

namespace XMonitor.Bpf.Probes.FsLatency;

/// <summary>
/// What <see cref="FsLatencyProbe"/> records and how often it reports. Checked when the probe starts
/// (and, registered through DI, when the host starts): a bad value fails with a message naming the option.
/// </summary>
public sealed class FsLatencyOptions
{
    /// <summary>The shortest <see cref="Interval"/>: reading maps more often only costs CPU.</summary>
    public static readonly TimeSpan MinInterval = TimeSpan.FromMilliseconds(10);

    /// <summary>The longest <see cref="Interval"/>.</summary>
    public static readonly TimeSpan MaxInterval = TimeSpan.FromDays(1);

    /// <summary>The default <see cref="FileSystemType"/>: NFS, versions 2 to 4 (<c>nfs</c> and <c>nfs4</c> mounts).</summary>
    public const string Nfs = "nfs";

    /// <summary>How often the histograms and counters are read and published. Default 1 s.</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// The file-system type to watch, as <c>/proc/self/mountinfo</c> names it: <c>nfs</c> (default,
    /// which also covers <c>nfs4</c>), <c>nfs4</c>, <c>ext4</c>, <c>tmpfs</c>, <c>xfs</c>... any type
    /// name of at most 15 bytes.
    /// </summary>
    public string FileSystemType { get; set; } = Nfs;

    /// <summary>
    /// A call that takes at least this long produces a <see cref="SlowFsOperationEvent"/>.
    /// <see cref="TimeSpan.Zero"/> turns these events off. Default 10 ms, as BCC's nfsslower.
    /// </summary>
    public TimeSpan SlowThreshold { get; set; } = TimeSpan.FromMilliseconds(10);

    /// <summary>Which processes are recorded. Default <see cref="ProcessFilter.All"/>.</summary>
    public ProcessFilter Filter { get; set; } = ProcessFilter.All;

    /// <summary>
    /// Forces an attach strategy: <see cref="ProbeAttachStrategy.Fentry"/> or
    /// <see cref="ProbeAttachStrategy.Kprobe"/> on the NFS client's operations (NFS types only), or
    /// <see cref="ProbeAttachStrategy.Tracepoint"/> (syscall tracepoints, any type). Null (default)
    /// picks fentry, then kprobes, for NFS where the kernel has them, the syscall tracepoints otherwise.
    /// </summary>
    public ProbeAttachStrategy? AttachStrategy { get; set; }

    /// <summary>The strategies the probe's programs exist for, in order of preference.</summary>
    internal static IReadOnlyList<ProbeAttachStrategy> SupportedStrategies { get; } = [ProbeAttachStrategy.Fentry, ProbeAttachStrategy.Kprobe, ProbeAttachStrategy.Tracepoint];

    /// <summary>True for the NFS types, the only ones the function strategies (fentry, kprobe) have programs for.</summary>
    internal bool IsNfs => FileSystemType is Nfs or "nfs4";

    /// <summary>Every problem of these options, each naming its option; empty when they are valid.</summary>
    internal IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (Interval < MinInterval || Interval > MaxInterval)
            errors.Add($"{nameof(Interval)} must be between {MinInterval.TotalMilliseconds} ms and {MaxInterval.TotalDays} day, not {Interval}");
        if (string.IsNullOrWhiteSpace(FileSystemType) || Encoding.UTF8.GetByteCount(FileSystemType) > 15 || FileSystemType.Any(c => char.IsWhiteSpace(c) || c == '/'))
            errors.Add($"{nameof(FileSystemType)} must be a file-system type name of 1 to 15 bytes as /proc/self/mountinfo lists it (nfs, ext4, tmpfs...), not '{FileSystemType}'");
        if (SlowThreshold < TimeSpan.Zero)
            errors.Add($"{nameof(SlowThreshold)} must not be negative ({SlowThreshold}); use TimeSpan.Zero to turn slow-operation events off");
        if (Filter is null)
            errors.Add($"{nameof(Filter)} must not be null; use ProcessFilter.All to record every process");
        if (AttachStrategy is { } strategy && !SupportedStrategies.Contains(strategy))
            errors.Add($"{nameof(AttachStrategy)} {strategy} is not available for the file-system latency probe: it has programs for {string.Join(", ", SupportedStrategies.Select(s => $"{s} ({s.SectionName()})"))}");
        else if (AttachStrategy is ProbeAttachStrategy.Fentry or ProbeAttachStrategy.Kprobe && !IsNfs)
            errors.Add($"{nameof(AttachStrategy)} {AttachStrategy} hooks the NFS client's functions and cannot watch {FileSystemType}: use {nameof(ProbeAttachStrategy.Tracepoint)}");
        return errors;
    }

    /// <summary>A copy, so that changing these options after start does not change a running probe.</summary>
    internal FsLatencyOptions Clone() => (FsLatencyOptions)MemberwiseClone();
}
