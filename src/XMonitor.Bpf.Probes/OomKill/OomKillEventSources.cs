namespace XMonitor.Bpf.Probes.OomKill;

/// <summary>
/// Where the facts of an <see cref="OomKillEvent"/> came from, which says which of its fields are
/// filled. The values equal the kernel side's <c>enum oomkill_event_flags</c>.
/// </summary>
[Flags]
public enum OomKillEventSources
{
    /// <summary>Nothing beyond the triggering task.</summary>
    None = 0,
    /// <summary>
    /// The victim's <c>task_struct</c> (tp_btf on 6.8+, or the task <c>oom_kill_process()</c> chose,
    /// or the victim was the allocating task itself): pid, tgid, uid, comm, oom_score_adj, the
    /// address-space figures and the memory cgroup are filled.
    /// </summary>
    VictimTask = 1,
    /// <summary>
    /// The kernel's <c>struct oom_control</c>, read in <c>oom_kill_process()</c> by fentry or a
    /// kprobe: points, total pages, the constraint as the kernel decided it, the OOM memory cgroup
    /// with its limit and usage, and the kernel's message are filled.
    /// </summary>
    OomControl = 2,
    /// <summary>
    /// No <c>oom_control</c>: the constraint was inferred from the memory cgroups' page counters (a
    /// cgroup on the victim's path within the slack of its limit means <see cref="OomConstraint.MemoryCgroup"/>,
    /// otherwise <see cref="OomConstraint.Global"/>; a cpuset or mempolicy OOM then shows as global).
    /// </summary>
    ConstraintInferred = 4,
    /// <summary>
    /// Only the tracepoint's record was available (tp strategy, victim not the allocating task):
    /// no tgid and no memory cgroup; on kernels before 6.8 only the pid.
    /// </summary>
    TracepointRecord = 8,
}
