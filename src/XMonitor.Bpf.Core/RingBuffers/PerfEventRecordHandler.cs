namespace XMonitor.Bpf;

/// <summary>Receives one perf event array sample from <paramref name="cpu"/>, valid only during the call.</summary>
public delegate void PerfEventRecordHandler(int cpu, ReadOnlySpan<byte> record);
