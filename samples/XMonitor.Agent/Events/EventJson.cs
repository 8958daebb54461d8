using System.Text.Json;
using System.Text.Json.Serialization;

namespace XMonitor.Agent.Events;

/// <summary>The JSON form shared by the event log, the event file, /events and /probes: snake case, enums by name.</summary>
internal static class EventJson
{
    public static JsonSerializerOptions Options { get; } = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DictionaryKeyPolicy = null,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };

    /// <summary>One line of JSON: the event with its data serialized as the runtime type it has.</summary>
    public static string Line(AgentEvent e)
        => JsonSerializer.Serialize(new { type = e.Type, probe = e.Probe, time = e.Time, data = e.Data }, Options);
}
