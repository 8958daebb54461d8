using System.Buffers;
using BenchmarkDotNet.Attributes;

namespace XMonitor.Bpf.Prometheus.Benchmarks;

/// <summary>One whole scrape (collectors, health series, text) into a reused buffer, as the endpoint does it.</summary>
[MemoryDiagnoser]
public class ScrapeBenchmarks
{
    private XMonitorMetricsRegistry _registry = null!;
    private ArrayBufferWriter<byte> _output = null!;

    /// <summary>Counter and gauge series (besides the histograms).</summary>
    [Params(100, 1_000, 10_000)]
    public int Series { get; set; }

    /// <summary>Histograms of 32 log2 slots each.</summary>
    [Params(20)]
    public int Histograms { get; set; }

    /// <summary>The exposition format.</summary>
    [Params(ExpositionFormat.PrometheusText, ExpositionFormat.OpenMetrics)]
    public ExpositionFormat Format { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _registry = new XMonitorMetricsRegistry(new XMonitorMetricsOptions { PublishMeters = false });
        _registry.Add(new SyntheticCollector(Series, Histograms));
        _output = new ArrayBufferWriter<byte>(1 << 20);
    }

    [GlobalCleanup]
    public void Cleanup() => _registry.Dispose();

    [Benchmark]
    public int Scrape()
    {
        _output.ResetWrittenCount();
        _registry.Scrape(_output, Format);
        return _output.WrittenCount;
    }
}
