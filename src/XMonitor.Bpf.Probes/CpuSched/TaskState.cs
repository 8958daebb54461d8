namespace XMonitor.Bpf.Probes.CpuSched;

/// <summary>
/// The kernel's <c>TASK_*</c> state bits (include/linux/sched.h) a task had when it left the CPU.
/// Not a formal kernel ABI, but these values have held since 4.14. Killable sleep is
/// <see cref="Uninterruptible"/> | <see cref="WakeKill"/>; idle sleep is <see cref="Uninterruptible"/> | <see cref="NoLoad"/>.
/// </summary>
[Flags]
public enum TaskState : uint
{
    /// <summary>Runnable: the task was preempted and waited in a run queue.</summary>
    Running = 0,
    /// <summary>Interruptible sleep (S): waiting for an event, wakes on signals.</summary>
    Interruptible = 0x1,
    /// <summary>Uninterruptible sleep (D): signals do not wake it.</summary>
    Uninterruptible = 0x2,
    /// <summary>Stopped by a signal (T).</summary>
    Stopped = 0x4,
    /// <summary>Stopped by a tracer (t).</summary>
    Traced = 0x8,
    /// <summary>A parked kernel thread.</summary>
    Parked = 0x40,
    /// <summary>The task is exiting.</summary>
    Dead = 0x80,
    /// <summary>Fatal signals wake the task (with <see cref="Uninterruptible"/>: killable sleep).</summary>
    WakeKill = 0x100,
    /// <summary>The sleep does not count toward the load average (with <see cref="Uninterruptible"/>: idle sleep).</summary>
    NoLoad = 0x400,
    /// <summary>The sleep may be frozen by the freezer.</summary>
    Freezable = 0x2000,
    /// <summary>The task is frozen (cgroup freezer, suspend).</summary>
    Frozen = 0x8000,
}
