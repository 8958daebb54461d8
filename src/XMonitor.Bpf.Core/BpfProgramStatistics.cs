namespace XMonitor.Bpf;

/// <summary>A program's kernel run statistics (<c>run_cnt</c> and <c>run_time_ns</c> of <c>bpf_prog_info</c>).</summary>
/// <param name="Id">The kernel's id of the program (as <c>bpftool prog show</c> lists it).</param>
/// <param name="RunCount">How many times it ran while statistics were enabled.</param>
/// <param name="RunTime">Its total run time.</param>
/// <param name="RunTimeNanoseconds">Its total run time in nanoseconds, unrounded.</param>
public readonly record struct BpfProgramStatistics(uint Id, ulong RunCount, TimeSpan RunTime, ulong RunTimeNanoseconds)
{
    /// <summary>Average nanoseconds per run, or 0 when it did not run.</summary>
    public double AverageNanoseconds => RunCount == 0 ? 0 : (double)RunTimeNanoseconds / RunCount;
}
