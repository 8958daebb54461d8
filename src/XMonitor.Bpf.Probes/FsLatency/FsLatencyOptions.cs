using System.Text;

namespace XMonitor.Bpf.Probes.FsLatency;

/// <summary>
/// What <see cref="FsLatencyProbe"/> records and how often it reports. Checked when the probe starts
/// (and, registered through DI, when the host starts): a bad value fails with a message naming the option.
/// </summary>
public sealed class FsLatencyOptions : SampledProbeOptions
{
    /// <summary>The default <see cref="FileSystemType"/>: NFS, versions 2 to 4 (<c>nfs</c> and <c>nfs4</c> mounts).</summary>
    public const string Nfs = "nfs";

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

    /// <summary>The strategies the probe's programs exist for, in order of preference.</summary>
    public override IReadOnlyList<BpfAttachKind> SupportedStrategies { get; } = [BpfAttachKind.Fentry, BpfAttachKind.Kprobe, BpfAttachKind.Tracepoint];

    /// <inheritdoc/>
    private protected override string ProbeDescription => "file-system latency probe";

    /// <summary>True for the NFS types, the only ones the function strategies (fentry, kprobe) have programs for.</summary>
    internal bool IsNfs => FileSystemType is Nfs or "nfs4";

    /// <inheritdoc/>
    private protected override void AddErrors(List<string> errors)
    {
        base.AddErrors(errors);
        if (string.IsNullOrWhiteSpace(FileSystemType) || Encoding.UTF8.GetByteCount(FileSystemType) > 15 || FileSystemType.Any(c => char.IsWhiteSpace(c) || c == '/'))
            errors.Add($"{nameof(FileSystemType)} must be a file-system type name of 1 to 15 bytes as /proc/self/mountinfo lists it (nfs, ext4, tmpfs...), not '{FileSystemType}'");
        if (SlowThreshold < TimeSpan.Zero)
            errors.Add($"{nameof(SlowThreshold)} must not be negative ({SlowThreshold}); use TimeSpan.Zero to turn slow-operation events off");
        if (Filter is null)
            errors.Add($"{nameof(Filter)} must not be null; use ProcessFilter.All to record every process");
        else if (AttachStrategy is BpfAttachKind.Fentry or BpfAttachKind.Kprobe && !IsNfs)
            errors.Add($"{nameof(AttachStrategy)} {AttachStrategy} hooks the NFS client's functions and cannot watch {FileSystemType}: use {nameof(BpfAttachKind.Tracepoint)}");
    }
}
