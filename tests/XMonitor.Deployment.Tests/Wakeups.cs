namespace XMonitor.Deployment.Tests;

/// <summary>Wakeups the test makes itself, each of which the run-queue latency probe times once.</summary>
internal static class Wakeups
{
    /// <summary>
    /// Sleeps 1 ms <paramref name="count"/> times: each sleep blocks the thread in the kernel and its
    /// timer wakes it (sched_wakeup), then it waits on a run queue until it runs (sched_switch).
    /// </summary>
    public static void Sleeps(int count)
    {
        for (var i = 0; i < count; i++)
            Thread.Sleep(1);
    }
}
