namespace XMonitor.Bpf.Probes.OomKill;

/// <summary>
/// How <see cref="OomKillProbe"/> hooks the kernel and what it looks up. Checked when the probe
/// starts (and, registered through DI, when the host starts): a bad value fails with a message
/// naming the option.
/// </summary>
public sealed class OomKillOptions : ProbeOptions
{
    /// <summary>
    /// Forces the hook on <c>oom_kill_process()</c> that reads the kernel's <c>struct oom_control</c>
    /// (badness points, the real constraint, the OOM memory cgroup, the message):
    /// <see cref="BpfAttachKind.Fentry"/> or <see cref="BpfAttachKind.Kprobe"/>; the probe
    /// then fails to start where the kernel lacks it. Null (default) uses fentry, else kprobes, where
    /// the kernel has them and the function, and otherwise goes without (the constraint is inferred).
    /// </summary>
    public BpfAttachKind? OomControlStrategy { get; set; }

    /// <summary>Looks up the directories of the memory cgroups in each event (<see cref="OomKillEvent.MemoryCgroupPath"/>). Default true.</summary>
    public bool ResolveCgroupPaths { get; set; } = true;

    /// <summary>
    /// Without <c>oom_control</c>, a memory cgroup counts as the one that ran out when its usage is
    /// within this many pages of its limit. Default 512 (a failing charge asks for up to 64 pages, or
    /// 512 for a huge page); at most <see cref="MaxMemcgFullSlackPages"/>.
    /// </summary>
    public ulong MemcgFullSlackPages { get; set; } = 512;

    /// <summary>The largest <see cref="MemcgFullSlackPages"/> (1 GiB of 4 KiB pages): more would call every cgroup near its limit full.</summary>
    public const ulong MaxMemcgFullSlackPages = 1UL << 18;

    /// <summary>
    /// The strategies of the <c>oom:mark_victim</c> tracepoint: tp_btf where the kernel's tracepoint
    /// passes the victim's task (6.8+), the classic tracepoint otherwise.
    /// </summary>
    public override IReadOnlyList<BpfAttachKind> SupportedStrategies { get; } = [BpfAttachKind.BtfRawTracepoint, BpfAttachKind.Tracepoint];

    /// <inheritdoc/>
    private protected override string ProbeDescription => "OOM kill probe's tracepoint";

    /// <summary>The <c>oom_kill_process()</c> strategies, in order of preference.</summary>
    internal static IReadOnlyList<BpfAttachKind> OomControlStrategies { get; } = [BpfAttachKind.Fentry, BpfAttachKind.Kprobe];

    /// <inheritdoc/>
    private protected override void AddErrors(List<string> errors)
    {
        if (OomControlStrategy is { } control && !OomControlStrategies.Contains(control))
            errors.Add($"{nameof(OomControlStrategy)} {control} is not available for oom_kill_process(): the OOM kill probe has programs for {Describe(OomControlStrategies)}");
        if (MemcgFullSlackPages > MaxMemcgFullSlackPages)
            errors.Add($"{nameof(MemcgFullSlackPages)} must be at most {MaxMemcgFullSlackPages}, not {MemcgFullSlackPages}");
    }
}
