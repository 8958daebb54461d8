namespace XMonitor.Bpf.Prometheus;

/// <summary>The text formats a scrape can be written in.</summary>
public enum ExpositionFormat
{
    /// <summary>Prometheus text format 0.0.4 (<c>text/plain; version=0.0.4</c>), what every scraper reads.</summary>
    PrometheusText,
    /// <summary>OpenMetrics 1.0 (<c>application/openmetrics-text; version=1.0.0</c>): units, info type, <c>_created</c>, <c># EOF</c>.</summary>
    OpenMetrics,
}
