namespace XMonitor.Bpf.Probes.CpuSched;

/// <summary>The run-queue latency of one aggregation key: what the last interval added and everything since the probe started.</summary>
/// <param name="Key">0 for <see cref="CpuSchedAggregation.System"/>, the tgid for <see cref="CpuSchedAggregation.Process"/>, the cgroup id for <see cref="CpuSchedAggregation.Cgroup"/>.</param>
/// <param name="Delta">The latencies recorded during the interval.</param>
/// <param name="Cumulative">The latencies recorded since the probe started.</param>
public sealed record RunQueueLatencyHistogram(ulong Key, Log2Histogram Delta, Log2Histogram Cumulative);
