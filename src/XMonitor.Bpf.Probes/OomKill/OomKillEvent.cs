namespace XMonitor.Bpf.Probes.OomKill;

/// <summary>
/// One process the kernel's OOM killer chose, written at the <c>oom:mark_victim</c> tracepoint: who
/// it was, what it held, which memory cgroup it was in, what ran out and who triggered it.
/// </summary>
/// <remarks>
/// Which fields are filled depends on the strategy (<see cref="Sources"/> says which applied):
/// <list type="bullet">
/// <item><description><b>tp_btf</b> (6.8+, this machine): every victim field (<see cref="OomKillEventSources.VictimTask"/>).
/// The constraint is inferred (<see cref="ConstraintInferred"/>); <see cref="Points"/>, <see cref="TotalPages"/> and <see cref="Message"/> stay unknown.</description></item>
/// <item><description><b>tp</b>: the tracepoint record: pid, and on 6.8+ comm, uid, oom_score_adj and the address-space figures;
/// no tgid (0) and no memory cgroup (0), unless the victim was the allocating task, whose task is read then.</description></item>
/// <item><description><b>fentry</b> or <b>kprobe</b> on <c>oom_kill_process()</c> (with either of the above): the kernel's own
/// <see cref="Points"/>, <see cref="TotalPages"/>, <see cref="Constraint"/>, OOM memory cgroup and <see cref="Message"/>
/// (<see cref="OomKillEventSources.OomControl"/>); on kernels before 6.8 also every victim field.</description></item>
/// </list>
/// Sizes are in bytes. Ids are as the initial namespaces see them.
/// </remarks>
public sealed record OomKillEvent
{
    /// <summary>The victim thread's id (the kernel's pid).</summary>
    public required int ThreadId { get; init; }

    /// <summary>The victim's process id (tgid); 0 when unknown (tp strategy, <see cref="OomKillEventSources.TracepointRecord"/>).</summary>
    public required int ProcessId { get; init; }

    /// <summary>The victim's name (<c>comm</c>); empty when unknown.</summary>
    public required string Command { get; init; }

    /// <summary>The victim's real user id.</summary>
    public required uint UserId { get; init; }

    /// <summary>The victim's <c>oom_score_adj</c> (-1000 to 1000).</summary>
    public required int OomScoreAdjust { get; init; }

    /// <summary>The victim's OOM badness score as the kernel computed it; null unless <c>oom_control</c> was read.</summary>
    public required long? Points { get; init; }

    /// <summary>The pages <see cref="Points"/> is relative to (RAM plus swap, or the memory cgroup's limit); null unless <c>oom_control</c> was read.</summary>
    public required ulong? TotalPages { get; init; }

    /// <summary>The id of the victim's memory cgroup (its directory's inode number in the memory controller's hierarchy); 0 when unknown.</summary>
    public required ulong MemoryCgroupId { get; init; }

    /// <summary>The last path component of the victim's memory cgroup; empty when unknown or for the root cgroup.</summary>
    public required string MemoryCgroupName { get; init; }

    /// <summary>
    /// The path of the victim's memory cgroup directory, for example <c>/sys/fs/cgroup/memory/app</c>;
    /// null when unknown, not looked up (<see cref="OomKillOptions.ResolveCgroupPaths"/>), or removed before the event was read.
    /// </summary>
    public required string? MemoryCgroupPath { get; init; }

    /// <summary>What ran out.</summary>
    public required OomConstraint Constraint { get; init; }

    /// <summary>True when <see cref="Constraint"/> was inferred from the memory cgroups' counters rather than read from the kernel's decision.</summary>
    public bool ConstraintInferred => (Sources & OomKillEventSources.ConstraintInferred) != 0;

    /// <summary>The memory cgroup whose limit was hit (the victim's or an ancestor); 0 for a global OOM or when unknown.</summary>
    public required ulong OomMemoryCgroupId { get; init; }

    /// <summary>The path of the memory cgroup whose limit was hit; null when <see cref="OomMemoryCgroupId"/> is 0 or the path is unknown.</summary>
    public required string? OomMemoryCgroupPath { get; init; }

    /// <summary>The limit of the OOM memory cgroup in bytes; 0 when unknown or unlimited.</summary>
    public required ulong MemoryCgroupLimitBytes { get; init; }

    /// <summary>The usage of the OOM memory cgroup in bytes at the kill; 0 when unknown.</summary>
    public required ulong MemoryCgroupUsageBytes { get; init; }

    /// <summary>The victim's address space (<c>VmSize</c>).</summary>
    public required ulong TotalVmBytes { get; init; }

    /// <summary>The victim's resident anonymous memory (<c>RssAnon</c>; the kernel's approximate per-CPU counter).</summary>
    public required ulong AnonRssBytes { get; init; }

    /// <summary>The victim's resident file-backed memory (<c>RssFile</c>).</summary>
    public required ulong FileRssBytes { get; init; }

    /// <summary>The victim's resident shared memory (<c>RssShmem</c>).</summary>
    public required ulong ShmemRssBytes { get; init; }

    /// <summary>The victim's swapped-out memory (<c>VmSwap</c>); 0 from the tracepoint record, which does not carry it.</summary>
    public required ulong SwapBytes { get; init; }

    /// <summary>The victim's page tables (<c>VmPTE</c>).</summary>
    public required ulong PageTableBytes { get; init; }

    /// <summary>The thread whose allocation ran out of memory (a kworker for sysrq-f).</summary>
    public required int TriggerThreadId { get; init; }

    /// <summary>The process of <see cref="TriggerThreadId"/>.</summary>
    public required int TriggerProcessId { get; init; }

    /// <summary>The name of the triggering thread.</summary>
    public required string TriggerCommand { get; init; }

    /// <summary>The kernel's message ("Memory cgroup out of memory", "Out of memory", ...); empty unless <c>oom_control</c> was read.</summary>
    public required string Message { get; init; }

    /// <summary>Which facts the kernel side could read, and so which fields are filled.</summary>
    public required OomKillEventSources Sources { get; init; }

    /// <summary>The kernel's monotonic clock (<c>CLOCK_MONOTONIC</c>, ns) at the kill.</summary>
    public required ulong KernelTimestampNanoseconds { get; init; }

    /// <summary>When user space read the record.</summary>
    public required DateTimeOffset Timestamp { get; init; }
}
