namespace XMonitor.Bpf.Prometheus;

/// <summary>A process's most recent off-CPU (or hung) report: the labels and value the CPU scheduling adapter exports for it.</summary>
/// <param name="Pid">The process id, or empty for the "other" series.</param>
/// <param name="Tid">The thread that was off the CPU, or empty for the "other" series.</param>
/// <param name="Comm">The thread's comm.</param>
/// <param name="Seconds">How long it was off the CPU.</param>
/// <param name="Seen">When it was reported.</param>
internal readonly record struct OffCpuEntry(string Pid, string Tid, string Comm, double Seconds, DateTimeOffset Seen);
