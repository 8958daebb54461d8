using Microsoft.AspNetCore.Http;

namespace XMonitor.Bpf.Prometheus;

/// <summary>Answers a scrape request: negotiates the format from Accept, scrapes, and sends the text with its length.</summary>
internal static class MetricsResponder
{
    public static Task RespondAsync(XMonitorMetricsRegistry registry, HttpContext context)
    {
        var format = ExpositionFormats.Negotiate(context.Request.Headers.Accept.ToString());
        var response = context.Response;
        response.ContentType = ExpositionFormats.ContentType(format);
        response.Headers.CacheControl = "no-store";
        return registry.ScrapeAsync((text, ct) =>
        {
            response.ContentLength = text.Length;
            return response.Body.WriteAsync(text, ct);
        }, format, context.RequestAborted);
    }
}
