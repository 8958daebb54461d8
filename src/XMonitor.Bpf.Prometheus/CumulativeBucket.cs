namespace XMonitor.Bpf.Prometheus;

/// <summary>One bucket of a histogram sample as Prometheus wants it: the count of every value up to and including <see cref="UpperBound"/>.</summary>
/// <param name="UpperBound">The bucket's <c>le</c>, in the family's base unit; finite (the writer adds <c>+Inf</c>).</param>
/// <param name="CumulativeCount">How many values were at most <see cref="UpperBound"/>; never less than the previous bucket's.</param>
public readonly record struct CumulativeBucket(double UpperBound, ulong CumulativeCount);
