namespace XMonitor.Bpf.Prometheus;

/// <summary>One label of a sample: a name declared by its <see cref="MetricFamily"/> and any value (escaped when written).</summary>
/// <param name="Name">The label name, one of the family's <see cref="MetricFamily.LabelNames"/>.</param>
/// <param name="Value">The value; any string, including empty.</param>
public readonly record struct Label(string Name, string Value);
