namespace XMonitor.Bpf.Prometheus.Tests;

/// <summary>A probe adapter stand-in: declared families and a collect delegate the test controls.</summary>
internal sealed class FakeCollector(string probeName, IReadOnlyList<MetricFamily> families, Action<MetricWriter, CancellationToken> collect) : IBpfMetricsCollector
{
    public string ProbeName { get; } = probeName;

    public IReadOnlyList<MetricFamily> Families { get; } = families;

    public int Collections;

    public void Collect(MetricWriter writer, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref Collections);
        collect(writer, cancellationToken);
    }
}
