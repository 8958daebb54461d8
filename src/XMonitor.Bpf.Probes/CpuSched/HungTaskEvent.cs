namespace XMonitor.Bpf.Probes.CpuSched;

/// <summary>
/// A thread slept in uninterruptible (D) state, neither killable nor idle (as the kernel's hung task
/// detector counts it), for at least <see cref="CpuSchedOptions.HungTaskThreshold"/>. Reported when
/// the thread runs again: a thread that never leaves D state is not reported.
/// </summary>
public sealed record HungTaskEvent : CpuSchedTaskEvent;
