namespace XMonitor.Bpf.Probes;

/// <summary>One log2 bucket of a <see cref="Log2Histogram"/>: how many values fell in [<see cref="Low"/>, <see cref="High"/>].</summary>
/// <param name="Low">The smallest value the bucket counts (inclusive).</param>
/// <param name="High">The largest value the bucket counts (inclusive); <see cref="ulong.MaxValue"/> for the last bucket, which also counts every larger value.</param>
/// <param name="Count">The number of values in the bucket.</param>
public readonly record struct HistogramBucket(ulong Low, ulong High, ulong Count);
