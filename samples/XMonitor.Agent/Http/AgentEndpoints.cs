using System.Text;
using Microsoft.Net.Http.Headers;
using XMonitor.Agent.Events;
using XMonitor.Agent.Probes;

namespace XMonitor.Agent.Http;

/// <summary>The agent's own endpoints next to /metrics: /healthz, /probes and /events.</summary>
internal static class AgentEndpoints
{
    public static void MapAgentEndpoints(this WebApplication app, ProbeManager probes, EventHub events, string configFile, Func<bool> capabilitiesDropped)
    {
        app.MapGet("/healthz", () =>
        {
            if (!probes.Started)
                return Results.Text("starting: the probes are being attached\n", statusCode: StatusCodes.Status503ServiceUnavailable);
            var all = probes.Snapshot();
            var unhealthy = all.Where(p => p.IsUnhealthy).ToArray();
            if (unhealthy.Length > 0)
            {
                var reasons = string.Join("\n", unhealthy.Select(p => $"{p.Name}: {p.State.ToString().ToLowerInvariant()}{(p.Error is null ? "" : ": " + p.Error)}"));
                return Results.Text($"not ready:\n{reasons}\n", statusCode: StatusCodes.Status503ServiceUnavailable);
            }
            var running = all.Count(p => p.State == ProbeState.Running);
            var unsupported = all.Where(p => p.State == ProbeState.Unsupported).Select(p => p.Name).ToArray();
            return Results.Text($"ok: {running} probes attached{(unsupported.Length > 0 ? $"; not supported by this kernel: {string.Join(", ", unsupported)}" : "")}\n");
        });

        app.MapGet("/probes", () => Results.Json(
            new ProbesDocument(Path.GetFullPath(configFile), capabilitiesDropped(), probes.Snapshot()),
            EventJson.Default.ProbesDocument));

        app.MapGet("/events", (HttpContext context, IHostApplicationLifetime lifetime) => StreamEventsAsync(context, events, lifetime.ApplicationStopping));
    }

    /// <summary>
    /// Streams events as they come: newline-delimited JSON, or server-sent events when the client's
    /// Accept header asks for <c>text/event-stream</c>. Ends when the client leaves or the agent stops.
    /// </summary>
    private static async Task StreamEventsAsync(HttpContext context, EventHub events, CancellationToken stopping)
    {
        var sse = context.Request.GetTypedHeaders().Accept.Any(a => a.MediaType.Equals("text/event-stream", StringComparison.OrdinalIgnoreCase));
        var response = context.Response;
        response.ContentType = sse ? "text/event-stream" : "application/x-ndjson";
        response.Headers.CacheControl = "no-cache";
        response.Headers[HeaderNames.XContentTypeOptions] = "nosniff";
        var (lines, subscription) = events.Subscribe();
        using var _ = subscription;
        using var done = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, stopping);
        // Headers go out at once, so a client knows it is subscribed before the first event.
        await response.StartAsync(done.Token).ConfigureAwait(false);
        await response.Body.FlushAsync(done.Token).ConfigureAwait(false);
        var buffer = new StringBuilder();
        try
        {
            while (await lines.WaitToReadAsync(done.Token).ConfigureAwait(false))
            {
                buffer.Clear();
                while (lines.TryRead(out var line))
                    buffer.Append(sse ? "data: " : "").Append(line).Append(sse ? "\n\n" : "\n");
                await response.Body.WriteAsync(Encoding.UTF8.GetBytes(buffer.ToString()), done.Token).ConfigureAwait(false);
                await response.Body.FlushAsync(done.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
            // The client left or the agent is stopping: the stream just ends.
        }
    }
}
