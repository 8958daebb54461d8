namespace XMonitor.Bpf.Prometheus;

/// <summary>
/// The naming rules every family of this package follows, and the checks <see cref="MetricFamily"/>
/// applies: Prometheus's name syntax, the common prefix, base units, and suffixes reserved for the
/// series the writers derive (<c>_total</c>, <c>_bucket</c>, ...).
/// </summary>
public static class MetricNames
{
    /// <summary>The prefix of every metric family this package and its probe adapters export.</summary>
    public const string Prefix = "xmonitor_";

    private static readonly string[] ReservedSuffixes = ["_total", "_bucket", "_sum", "_count", "_created", "_info"];

    // Units that have a base unit Prometheus prefers; a family must be in the base unit instead.
    private static readonly string[] NonBaseUnits =
    [
        "milliseconds", "microseconds", "nanoseconds", "minutes", "hours", "days",
        "kilobytes", "megabytes", "gigabytes", "kb", "mb", "gb", "kib", "mib", "gib", "percent", "ms", "us", "ns",
    ];

    /// <summary>True when <paramref name="name"/> is a valid metric name: <c>[a-zA-Z_][a-zA-Z0-9_]*</c>.</summary>
    /// <remarks>Colons are legal in Prometheus but reserved for recording rules, so exporters must not use them.</remarks>
    public static bool IsValidMetricName(string? name) => IsIdentifier(name);

    /// <summary>True when <paramref name="name"/> is a valid label name: <c>[a-zA-Z_][a-zA-Z0-9_]*</c>, not starting with <c>__</c> (reserved for Prometheus).</summary>
    public static bool IsValidLabelName(string? name) => IsIdentifier(name) && !name!.StartsWith("__", StringComparison.Ordinal);

    /// <summary>
    /// Why <paramref name="name"/> cannot be the name of a family of <paramref name="type"/> in
    /// <paramref name="unit"/> under this package's conventions, or null when it can.
    /// </summary>
    /// <param name="name">The family name, without the suffix the writer adds (<c>_total</c> of counters, <c>_info</c> of info families).</param>
    /// <param name="type">The family's type.</param>
    /// <param name="unit">The family's unit (<c>seconds</c>, <c>bytes</c>, <c>ratio</c>...), or null.</param>
    public static string? Check(string? name, MetricType type, string? unit)
    {
        if (!IsValidMetricName(name))
            return $"'{name}' is not a valid metric name ([a-zA-Z_][a-zA-Z0-9_]*)";
        if (!name!.StartsWith(Prefix, StringComparison.Ordinal))
            return $"'{name}' does not start with the common prefix '{Prefix}'";
        if (name.Length == Prefix.Length)
            return $"'{name}' is only the prefix";
        foreach (var suffix in ReservedSuffixes)
        {
            if (name.EndsWith(suffix, StringComparison.Ordinal))
                return $"'{name}' ends with '{suffix}', which the writer adds itself to the series it derives (a {type} family is named without it)";
        }
        if (unit is not null)
        {
            if (!IsIdentifier(unit) || unit.Any(char.IsUpper))
                return $"unit '{unit}' of '{name}' is not a lower-case identifier";
            if (NonBaseUnits.Contains(unit))
                return $"unit '{unit}' of '{name}' is not a base unit: export seconds or bytes";
            if (!name.EndsWith("_" + unit, StringComparison.Ordinal))
                return $"'{name}' does not end with its unit '_{unit}'";
        }
        else
        {
            foreach (var nonBase in NonBaseUnits)
            {
                if (name.EndsWith("_" + nonBase, StringComparison.Ordinal))
                    return $"'{name}' is in {nonBase}, not a base unit: export seconds or bytes";
            }
        }
        return null;
    }

    private static bool IsIdentifier(string? s)
    {
        if (string.IsNullOrEmpty(s) || char.IsAsciiDigit(s[0]))
            return false;
        foreach (var c in s)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c == '_'))
                return false;
        }
        return true;
    }
}
