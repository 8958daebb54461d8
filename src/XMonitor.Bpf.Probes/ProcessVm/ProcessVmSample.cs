namespace XMonitor.Bpf.Probes.ProcessVm;

/// <summary>The figures of every process the probe has seen and that still exists, at one moment.</summary>
/// <param name="Timestamp">When the kernel's map was read.</param>
/// <param name="Interval">The time since the previous sample (since the start for the first).</param>
/// <param name="Processes">One entry per process, by process id; a process that exited is gone.</param>
public sealed record ProcessVmSample(DateTimeOffset Timestamp, TimeSpan Interval, IReadOnlyList<ProcessVmProcess> Processes)
{
    /// <summary>The entry of process <paramref name="processId"/>, or null if it is not in the sample.</summary>
    public ProcessVmProcess? Find(int processId) => Processes.FirstOrDefault(p => p.ProcessId == processId);
}
