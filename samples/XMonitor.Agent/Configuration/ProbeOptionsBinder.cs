using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Reflection;
using XMonitor.Agent.Probes;
using XMonitor.Bpf.Probes;
using YamlDotNet.RepresentationModel;

namespace XMonitor.Agent.Configuration;

/// <summary>
/// Fills a probe's options class from its section: every public settable property is a key, named
/// in snake case (<c>OffCpuThreshold</c> is <c>off_cpu_threshold</c>), so the file follows the
/// package without a list kept by hand. Then the package's own validator runs, and each of its
/// problems is reported at the line of the key it names.
/// </summary>
internal static class ProbeOptionsBinder
{
    private const string EnabledKey = "enabled";

    /// <summary>The section of <paramref name="probe"/>: <paramref name="node"/> when the file has one (a null node means an empty section), disabled with defaults when it has none.</summary>
    public static ProbeSection Bind(ProbeDefinition probe, YamlNode? node, bool present, ConfigContext context)
    {
        var options = probe.CreateOptions();
        var properties = Properties(probe.OptionsType);
        var lines = new Dictionary<string, YamlNode>(StringComparer.Ordinal);
        var enabled = present;
        if (node is YamlMappingNode mapping)
        {
            foreach (var (keyNode, valueNode) in mapping.Children)
            {
                var key = YamlValues.KeyName(keyNode, context);
                var dotted = $"{probe.Name}.{key}";
                if (key == EnabledKey)
                {
                    enabled = YamlValues.Boolean(valueNode, context, dotted);
                    continue;
                }
                if (!properties.TryGetValue(key, out var property))
                    throw context.Error(keyNode, dotted, $"unknown key; {probe.Name} takes {string.Join(", ", properties.Keys.Prepend(EnabledKey))}");
                property.SetValue(options, Convert(property.PropertyType, valueNode, context, dotted));
                lines[property.Name] = keyNode;
            }
        }
        else if (node is not null && !YamlValues.IsNull(node))
        {
            throw context.Error(node, probe.Name, "expected a mapping of the probe's options (enabled, ...)");
        }

        var errors = options.Validate();
        if (errors.Count > 0)
        {
            // The package's messages start with the property they are about; the longest match wins (Interval vs. IntervalX).
            var error = errors[0];
            var property = properties.Values.Where(p => error.StartsWith(p.Name, StringComparison.Ordinal)).MaxBy(p => p.Name.Length);
            var at = property is not null && lines.TryGetValue(property.Name, out var keyNode) ? keyNode : node;
            var key = property is null ? probe.Name : $"{probe.Name}.{Naming.SnakeCase(property.Name)}";
            throw new ConfigException(context.File, at?.Start.Line ?? 1, key, error);
        }

        var settings = properties.ToDictionary(p => p.Key, p => Format(p.Value.GetValue(options), lines.TryGetValue(p.Value.Name, out var n) ? n : null, node));
        var fingerprint = $"{EnabledKey}={enabled};" + string.Join(";", settings.OrderBy(s => s.Key, StringComparer.Ordinal).Select(s => $"{s.Key}={s.Value}"));
        return new ProbeSection { Name = probe.Name, Enabled = enabled, Options = options, Fingerprint = fingerprint, Settings = settings };
    }

    private static Dictionary<string, PropertyInfo> Properties([DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicProperties)] Type optionsType)
        => optionsType.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.CanWrite && p.SetMethod!.IsPublic)
            // As agent.yaml lists them: the interval first, the probe's own keys, the attach strategy
            // last (a stable sort: each class's keys keep reflection's order; Native AOT has no
            // metadata tokens to sort by).
            .OrderBy(p => p.DeclaringType == typeof(SampledProbeOptions) ? 0 : p.DeclaringType == typeof(ProbeOptions) ? 2 : 1)
            .ToDictionary(p => Naming.SnakeCase(p.Name), StringComparer.Ordinal);

    private static object? Convert(Type type, YamlNode node, ConfigContext context, string key)
    {
        var underlying = Nullable.GetUnderlyingType(type);
        if (underlying is not null || !type.IsValueType)
        {
            if (YamlValues.IsNull(node))
                return null;
        }
        var target = underlying ?? type;
        if (target == typeof(TimeSpan))
            return YamlValues.Duration(node, context, key);
        if (target == typeof(bool))
            return YamlValues.Boolean(node, context, key);
        if (target == typeof(int))
            return YamlValues.Integer<int>(node, context, key);
        if (target == typeof(uint))
            return YamlValues.Integer<uint>(node, context, key);
        if (target == typeof(long))
            return YamlValues.Integer<long>(node, context, key);
        if (target == typeof(ulong))
            return YamlValues.Integer<ulong>(node, context, key);
        if (target.IsEnum)
            return YamlValues.Enum(target, node, context, key);
        if (target == typeof(ProcessFilter))
            return YamlValues.Filter(node, context, key);
        if (target == typeof(string))
            return YamlValues.Text(node, "a string", context, key);
        throw context.Error(node, key, $"the agent cannot read options of type {target.Name}");
    }

    /// <summary>A value as /probes shows it and the fingerprint compares it; a filter keeps the file's words (its own text depends on the machine).</summary>
    private static string? Format(object? value, YamlNode? keyNode, YamlNode? section) => value switch
    {
        null => null,
        TimeSpan t => YamlValues.FormatDuration(t),
        ProcessFilter when keyNode is not null && section is YamlMappingNode m && m.Children[keyNode] is YamlScalarNode s => s.Value,
        ProcessFilter f => f.ToString(),
        Enum e => Naming.SnakeCase(e.ToString()),
        bool b => b ? "true" : "false",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString(),
    };
}
