namespace XMonitor.Bpf.Probes;

/// <summary>The unit of the values a latency histogram counts; the kernel divides before bucketing.</summary>
public enum HistogramUnit
{
    /// <summary>Microseconds (BCC's default); 32 log2 slots reach about 36 minutes.</summary>
    Microseconds = 0,
    /// <summary>Nanoseconds, for sub-microsecond detail; 32 log2 slots reach about 2.1 seconds.</summary>
    Nanoseconds = 1,
    /// <summary>Plain counts, not times (for example packets per NAPI poll).</summary>
    Count = 2,
}
