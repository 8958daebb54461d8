namespace XMonitor.Bpf.Probes.CacheStat;

/// <summary>One entry of the kernel's per-process map as read, and whether its process had exited.</summary>
internal readonly record struct CacheStatReading(uint ProcessId, CachestatSkeleton.CachestatValue Value, bool Exited);
