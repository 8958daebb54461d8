namespace XMonitor.Bpf.Prometheus;

/// <summary>The type of a metric family, as the exposition formats name it.</summary>
public enum MetricType
{
    /// <summary>A monotonic count; samples are written with the suffix <c>_total</c>.</summary>
    Counter,
    /// <summary>A value that goes up and down.</summary>
    Gauge,
    /// <summary>Cumulative <c>le</c> buckets, <c>_sum</c> and <c>_count</c>.</summary>
    Histogram,
    /// <summary>Constant value 1 whose labels carry the information; samples are written with the suffix <c>_info</c>.</summary>
    Info,
}
