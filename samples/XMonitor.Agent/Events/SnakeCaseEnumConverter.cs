using System.Text.Json;
using System.Text.Json.Serialization;

namespace XMonitor.Agent.Events;

/// <summary>Writes <typeparamref name="TEnum"/> by name in snake case (flags as a comma-separated list); usable in source-generated JSON.</summary>
internal sealed class SnakeCaseEnumConverter<TEnum>() : JsonStringEnumConverter<TEnum>(JsonNamingPolicy.SnakeCaseLower)
    where TEnum : struct, Enum;
