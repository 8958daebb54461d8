using Microsoft.Extensions.Logging;

namespace XMonitor.Bpf.Probes;

/// <summary>A <see cref="Probe"/> configured by <typeparamref name="TOptions"/>.</summary>
/// <typeparam name="TOptions">The probe's options.</typeparam>
public abstract class Probe<TOptions> : Probe
    where TOptions : ProbeOptions
{
    private readonly TOptions _options;

    private protected Probe(TOptions options, string name, string description, ILogger? logger)
        : base(name, description, logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = (TOptions)options.Clone();
    }

    /// <summary>The options the probe runs with (a copy; changing it changes nothing).</summary>
    public TOptions Options => (TOptions)_options.Clone();

    /// <summary>The probe's own copy of its options, which nothing outside changes.</summary>
    private protected TOptions Settings => _options;

    /// <inheritdoc/>
    private protected override TimeSpan? Interval => _options is SampledProbeOptions sampled ? sampled.Interval : null;

    /// <inheritdoc/>
    private protected override void CheckOptions()
    {
        var errors = _options.Validate();
        if (errors.Count > 0)
            throw new ArgumentException($"invalid {Description} options: " + string.Join("; ", errors), "options");
    }
}
