using System.Runtime.InteropServices;

namespace XMonitor.Bpf.Benchmarks;

/// <summary>
/// The calling thread's CPU time (CLOCK_THREAD_CPUTIME_ID), the clock both the .NET and the C side
/// of the comparisons time with: on a shared, busy machine wall-clock time also counts the periods
/// the thread waited for a CPU, which swamps differences of a few percent.
/// </summary>
internal static unsafe partial class ThreadCpuTime
{
    private const int ClockThreadCpuTimeId = 3;

    public static double Seconds()
    {
        TimeSpec ts;
        if (ClockGetTime(ClockThreadCpuTimeId, &ts) != 0)
            throw new InvalidOperationException($"clock_gettime(CLOCK_THREAD_CPUTIME_ID) failed: errno {Marshal.GetLastSystemError()}");
        return ts.Seconds + (ts.Nanoseconds / 1e9);
    }

    [LibraryImport("libc", EntryPoint = "clock_gettime", SetLastError = true)]
    private static partial int ClockGetTime(int clock, TimeSpec* ts);

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }
}
