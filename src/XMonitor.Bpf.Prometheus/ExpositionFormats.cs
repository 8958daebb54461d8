namespace XMonitor.Bpf.Prometheus;

/// <summary>Content negotiation between the two exposition formats.</summary>
public static class ExpositionFormats
{
    /// <summary>The content type of a text format 0.0.4 response.</summary>
    public const string PrometheusTextContentType = "text/plain; version=0.0.4; charset=utf-8";

    /// <summary>The content type of an OpenMetrics 1.0 response.</summary>
    public const string OpenMetricsContentType = "application/openmetrics-text; version=1.0.0; charset=utf-8";

    /// <summary>The content type to send with a response in <paramref name="format"/>.</summary>
    public static string ContentType(ExpositionFormat format)
        => format == ExpositionFormat.OpenMetrics ? OpenMetricsContentType : PrometheusTextContentType;

    /// <summary>
    /// The format an <c>Accept</c> header asks for: OpenMetrics when <c>application/openmetrics-text</c>
    /// (version 1.0.0 or none given) has the highest quality among what this package writes, text
    /// 0.0.4 otherwise, including for a missing or unparsable header. Equal qualities go to the one
    /// listed first, as Prometheus lists its preference first.
    /// </summary>
    public static ExpositionFormat Negotiate(string? accept)
    {
        if (string.IsNullOrWhiteSpace(accept))
            return ExpositionFormat.PrometheusText;
        var best = ExpositionFormat.PrometheusText;
        var bestQuality = -1.0;
        foreach (var range in accept.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var parts = range.Split(';', StringSplitOptions.TrimEntries);
            var mediaType = parts[0].ToLowerInvariant();
            string? version = null;
            var quality = 1.0;
            foreach (var parameter in parts.AsSpan(1))
            {
                var eq = parameter.IndexOf('=');
                if (eq <= 0)
                    continue;
                var key = parameter[..eq].Trim().ToLowerInvariant();
                var value = parameter[(eq + 1)..].Trim().Trim('"');
                if (key == "version")
                    version = value;
                else if (key == "q" && !double.TryParse(value, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out quality))
                    quality = 0;
            }
            ExpositionFormat? candidate = mediaType switch
            {
                "application/openmetrics-text" when version is null or "1.0.0" => ExpositionFormat.OpenMetrics,
                "text/plain" when version is null or "0.0.4" => ExpositionFormat.PrometheusText,
                "*/*" or "text/*" => ExpositionFormat.PrometheusText,
                _ => null,
            };
            if (candidate is { } format && quality > 0 && quality > bestQuality)
            {
                best = format;
                bestQuality = quality;
            }
        }
        return best;
    }
}
