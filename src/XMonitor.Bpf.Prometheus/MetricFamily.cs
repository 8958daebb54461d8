using System.Text;

namespace XMonitor.Bpf.Prometheus;

/// <summary>
/// A metric family: name, type, help, unit and the label names every sample carries. Probe
/// adapters create theirs once (static fields) and list them in <see cref="IBpfMetricsCollector.Families"/>;
/// the constructor rejects names that break <see cref="MetricNames"/>' rules.
/// </summary>
public sealed class MetricFamily
{
    /// <summary>Creates a family that follows this package's conventions (see <see cref="MetricNames.Check"/>).</summary>
    /// <param name="name">The family name: prefixed with <see cref="MetricNames.Prefix"/>, ending with the unit, without <c>_total</c> or <c>_info</c>.</param>
    /// <param name="type">The type.</param>
    /// <param name="help">What a sample counts or measures, one line.</param>
    /// <param name="labelNames">The names of the labels every sample carries, in the order samples give them.</param>
    /// <param name="unit">The base unit (<c>seconds</c>, <c>bytes</c>, <c>ratio</c>...), or null for plain counts.</param>
    /// <exception cref="ArgumentException">The name, unit or a label name breaks the rules.</exception>
    public MetricFamily(string name, MetricType type, string help, IReadOnlyList<string>? labelNames = null, string? unit = null)
        : this(name, type, help, labelNames ?? [], unit, [], legacy: false)
    {
    }

    private MetricFamily(string name, MetricType type, string help, IReadOnlyList<string> labelNames, string? unit, IReadOnlyList<Label> constantLabels, bool legacy)
    {
        ArgumentNullException.ThrowIfNull(help);
        var problem = legacy
            ? MetricNames.IsValidMetricName(name) ? null : $"'{name}' is not a valid metric name ([a-zA-Z_][a-zA-Z0-9_]*)"
            : MetricNames.Check(name, type, unit);
        if (problem is not null)
            throw new ArgumentException(problem, nameof(name));
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var label in labelNames.Concat(constantLabels.Select(l => l.Name)))
        {
            if (!MetricNames.IsValidLabelName(label))
                throw new ArgumentException($"'{label}' of family '{name}' is not a valid label name ([a-zA-Z_][a-zA-Z0-9_]*, not starting with __)", nameof(labelNames));
            if (type == MetricType.Histogram && label == "le")
                throw new ArgumentException($"histogram '{name}' cannot have a label 'le': the buckets use it", nameof(labelNames));
            if (!seen.Add(label))
                throw new ArgumentException($"label '{label}' appears twice in family '{name}'", nameof(labelNames));
        }
        if (help.Contains('\n') || help.Contains('\r'))
            throw new ArgumentException($"the help of '{name}' spans more than one line", nameof(help));
        Name = name;
        Type = type;
        Help = help;
        Unit = unit;
        LabelNames = labelNames.ToArray();
        ConstantLabels = constantLabels.ToArray();
        IsLegacy = legacy;
        NameUtf8 = Encoding.UTF8.GetBytes(name);
        LabelNamesUtf8 = LabelNames.Select(Encoding.UTF8.GetBytes).ToArray();
    }

    /// <summary>The family name, without the suffixes the writer adds.</summary>
    public string Name { get; }

    /// <summary>The type.</summary>
    public MetricType Type { get; }

    /// <summary>The help text.</summary>
    public string Help { get; }

    /// <summary>The unit (written as OpenMetrics' <c>UNIT</c>), or null.</summary>
    public string? Unit { get; }

    /// <summary>The label names every sample gives, in order.</summary>
    public IReadOnlyList<string> LabelNames { get; }

    /// <summary>Labels the writer adds to every sample after the sample's own (the seed's <c>from="xm_ebpf"</c>).</summary>
    public IReadOnlyList<Label> ConstantLabels { get; }

    /// <summary>True for a family of the seed service x-monitor.eBPF (<see cref="LegacyMetrics"/>): exempt from the prefix and unit rules.</summary>
    public bool IsLegacy { get; }

    internal byte[] NameUtf8 { get; }

    // Samples give exactly these names (the writer checks), so the text writer copies these bytes
    // instead of encoding every label name of every sample.
    internal byte[][] LabelNamesUtf8 { get; }

    /// <summary>
    /// Creates a family under the seed service's own name (no prefix, units as the seed had them)
    /// for <see cref="XMonitorMetricsOptions.LegacyNames"/>. Only the name and label syntax is checked.
    /// </summary>
    /// <param name="name">The seed's metric name.</param>
    /// <param name="type">The seed's type.</param>
    /// <param name="help">The help text.</param>
    /// <param name="labelNames">The seed's label names, in order.</param>
    /// <param name="constantLabels">Labels added to every sample, such as <c>from="xm_ebpf"</c>.</param>
    /// <exception cref="ArgumentException">The name or a label name is not valid Prometheus syntax.</exception>
    public static MetricFamily Legacy(string name, MetricType type, string help, IReadOnlyList<string> labelNames, IReadOnlyList<Label> constantLabels)
        => new(name, type, help, labelNames, null, constantLabels, legacy: true);

    /// <inheritdoc />
    public override string ToString() => $"{Name} ({Type.ToString().ToLowerInvariant()})";
}
