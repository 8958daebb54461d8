namespace XMonitor.Bpf.Probes.CpuSched;

/// <summary>A thread was off a CPU, in any state, for at least <see cref="CpuSchedOptions.OffCpuThreshold"/>.</summary>
public sealed record OffCpuEvent : CpuSchedTaskEvent;
