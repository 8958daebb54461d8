using System.Globalization;
using System.Numerics;
using System.Text.RegularExpressions;
using XMonitor.Bpf.Probes;
using YamlDotNet.RepresentationModel;

namespace XMonitor.Agent.Configuration;

/// <summary>Turns YAML scalars into the option types, with the file's words in every error.</summary>
internal static partial class YamlValues
{
    /// <summary>A duration as Go and Prometheus write them: <c>5s</c>, <c>100ms</c>, <c>1m30s</c>, <c>250us</c>, or <c>0</c>.</summary>
    [GeneratedRegex(@"^(?:(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h|d))+$")]
    private static partial Regex DurationPattern();

    [GeneratedRegex(@"(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h|d)")]
    private static partial Regex DurationPart();

    /// <summary>The text of a scalar, or a failure naming what was expected when the node is a mapping or a list.</summary>
    public static string Text(YamlNode node, string expected, ConfigContext context, string key)
    {
        if (node is YamlScalarNode { Value: { } value })
            return value;
        throw context.Error(node, key, $"expected {expected}, got {Describe(node)}");
    }

    /// <summary>The name of a mapping key, or a failure when the key is a mapping or a list.</summary>
    public static string KeyName(YamlNode key, ConfigContext context) => Text(key, "a key name", context, "");

    /// <summary>Whether the node is YAML's null (<c>~</c>, <c>null</c> or nothing).</summary>
    public static bool IsNull(YamlNode node)
        => node is YamlScalarNode { Style: not (YamlDotNet.Core.ScalarStyle.SingleQuoted or YamlDotNet.Core.ScalarStyle.DoubleQuoted) } s
           && (s.Value is null or "" or "~" or "null" or "Null" or "NULL");

    public static TimeSpan Duration(YamlNode node, ConfigContext context, string key)
    {
        const string expected = "a duration such as 5s";
        var text = Text(node, expected, context, key).Trim();
        if (text == "0")
            return TimeSpan.Zero;
        if (!DurationPattern().IsMatch(text))
            throw context.Error(node, key, $"expected {expected}, got '{text}'");
        double ticks = 0;
        foreach (Match part in DurationPart().Matches(text))
        {
            var amount = double.Parse(part.Groups[1].Value, CultureInfo.InvariantCulture);
            ticks += amount * part.Groups[2].Value switch
            {
                "ns" => 0.01,
                "us" or "µs" => TimeSpan.TicksPerMicrosecond,
                "ms" => TimeSpan.TicksPerMillisecond,
                "s" => TimeSpan.TicksPerSecond,
                "m" => TimeSpan.TicksPerMinute,
                "h" => TimeSpan.TicksPerHour,
                _ => TimeSpan.TicksPerDay,
            };
        }
        if (ticks > TimeSpan.MaxValue.Ticks)
            throw context.Error(node, key, $"the duration '{text}' is too long");
        return TimeSpan.FromTicks((long)Math.Round(ticks));
    }

    public static bool Boolean(YamlNode node, ConfigContext context, string key)
    {
        var text = Text(node, "true or false", context, key).Trim();
        return text.ToLowerInvariant() switch
        {
            "true" or "yes" or "on" => true,
            "false" or "no" or "off" => false,
            _ => throw context.Error(node, key, $"expected true or false, got '{text}'"),
        };
    }

    public static T Integer<T>(YamlNode node, ConfigContext context, string key, T? min = null)
        where T : struct, IBinaryInteger<T>, IMinMaxValue<T>
    {
        var low = min ?? T.MinValue;
        var text = Text(node, "an integer", context, key).Trim().Replace("_", "", StringComparison.Ordinal);
        if (!BigInteger.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value))
            throw context.Error(node, key, $"expected an integer, got '{text}'");
        if (value < BigInteger.CreateChecked(low) || value > BigInteger.CreateChecked(T.MaxValue))
            throw context.Error(node, key, $"expected an integer from {low} to {T.MaxValue}, got {text}");
        return T.CreateChecked(value);
    }

    public static object Enum(Type type, YamlNode node, ConfigContext context, string key)
    {
        var names = System.Enum.GetNames(type);
        var choices = string.Join(", ", names.Select(Naming.SnakeCase));
        var text = Text(node, $"one of {choices}", context, key).Trim();
        var wanted = text.Replace("_", "", StringComparison.Ordinal);
        var match = names.FirstOrDefault(n => string.Equals(n, wanted, StringComparison.OrdinalIgnoreCase))
            ?? throw context.Error(node, key, $"expected one of {choices}, got '{text}'");
        return System.Enum.Parse(type, match);
    }

    /// <summary>
    /// A process filter: <c>all</c>, <c>pid:1234</c>, <c>pgid:1234</c>, <c>pid_namespace:4026531836</c>,
    /// <c>pid_namespace_of:1234</c>, <c>cgroup:/sys/fs/cgroup/unified/my.slice</c> or <c>cgroup_id:1234</c>.
    /// </summary>
    public static ProcessFilter Filter(YamlNode node, ConfigContext context, string key)
    {
        var text = Text(node, ProcessFilter.TextForms, context, key);
        try
        {
            return ProcessFilter.Parse(text);
        }
        catch (Exception e) when (e is FormatException or ArgumentException or IOException)
        {
            throw context.Error(node, key, e.Message);
        }
    }

    /// <summary>A duration as the file would write it: <c>5s</c>, <c>100ms</c>, <c>250us</c>.</summary>
    public static string FormatDuration(TimeSpan value)
    {
        if (value == TimeSpan.Zero)
            return "0";
        if (value.Ticks % TimeSpan.TicksPerSecond == 0)
            return $"{value.Ticks / TimeSpan.TicksPerSecond}s";
        if (value.Ticks % TimeSpan.TicksPerMillisecond == 0)
            return $"{value.Ticks / TimeSpan.TicksPerMillisecond}ms";
        return $"{value.Ticks / (double)TimeSpan.TicksPerMicrosecond:0.#}us";
    }

    private static string Describe(YamlNode node) => node switch
    {
        YamlMappingNode => "a mapping",
        YamlSequenceNode => "a list",
        _ => "nothing",
    };
}
