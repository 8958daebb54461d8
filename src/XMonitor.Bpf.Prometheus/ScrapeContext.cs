namespace XMonitor.Bpf.Prometheus;

/// <summary>The buffers and writers of one scrape, pooled by the registry so that scrapes in a steady state allocate almost nothing.</summary>
internal sealed class ScrapeContext : IDisposable
{
    private TextMetricWriter? _text;
    private TextMetricWriter? _openMetrics;

    public MetricBuffer Output { get; } = new();

    public MetricBuffer Scratch { get; } = new();

    public List<ProgramHealth> Programs { get; } = [];

    public TextMetricWriter Writer(ExpositionFormat format, bool includeLegacyNames)
    {
        ref var writer = ref format == ExpositionFormat.OpenMetrics ? ref _openMetrics : ref _text;
        if (writer is null || writer.IncludeLegacyNames != includeLegacyNames)
            writer = new TextMetricWriter(Output, format, includeLegacyNames);
        return writer;
    }

    public void Dispose()
    {
        Output.Dispose();
        Scratch.Dispose();
    }
}
