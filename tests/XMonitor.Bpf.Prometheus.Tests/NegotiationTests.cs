namespace XMonitor.Bpf.Prometheus.Tests;

public sealed class NegotiationTests
{
    [Theory]
    [InlineData(null, ExpositionFormat.PrometheusText)]
    [InlineData("", ExpositionFormat.PrometheusText)]
    [InlineData("*/*", ExpositionFormat.PrometheusText)]
    [InlineData("text/plain", ExpositionFormat.PrometheusText)]
    [InlineData("application/openmetrics-text", ExpositionFormat.OpenMetrics)]
    // Prometheus 2.x as it scrapes.
    [InlineData("application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1", ExpositionFormat.OpenMetrics)]
    // Prometheus 3.x with its UTF-8 escaping parameter.
    [InlineData("application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.6,application/openmetrics-text;version=0.0.1;q=0.5,text/plain;version=1.0.0;escaping=allow-utf-8;q=0.4,text/plain;version=0.0.4;q=0.3,*/*;q=0.2", ExpositionFormat.OpenMetrics)]
    // Prometheus configured for the classic format only.
    [InlineData("text/plain;version=0.0.4;q=1,application/openmetrics-text;version=1.0.0;q=0.5", ExpositionFormat.PrometheusText)]
    [InlineData("application/openmetrics-text;version=0.0.1", ExpositionFormat.PrometheusText)]
    [InlineData("application/openmetrics-text;q=0", ExpositionFormat.PrometheusText)]
    [InlineData("application/json", ExpositionFormat.PrometheusText)]
    [InlineData("garbage;;;=,", ExpositionFormat.PrometheusText)]
    public void Accept_header_selects_the_format(string? accept, ExpositionFormat expected)
        => Assert.Equal(expected, ExpositionFormats.Negotiate(accept));

    [Fact]
    public void Content_types_name_version_and_charset()
    {
        Assert.Equal("text/plain; version=0.0.4; charset=utf-8", ExpositionFormats.ContentType(ExpositionFormat.PrometheusText));
        Assert.Equal("application/openmetrics-text; version=1.0.0; charset=utf-8", ExpositionFormats.ContentType(ExpositionFormat.OpenMetrics));
    }
}
