namespace XMonitor.Bpf.Probes;

/// <summary>The options of a probe that reads the kernel's maps at an interval.</summary>
public abstract class SampledProbeOptions : ProbeOptions
{
    /// <summary>The shortest <see cref="Interval"/>: reading maps more often only costs CPU.</summary>
    public static readonly TimeSpan MinInterval = TimeSpan.FromMilliseconds(10);

    /// <summary>The longest <see cref="Interval"/>.</summary>
    public static readonly TimeSpan MaxInterval = TimeSpan.FromDays(1);

    private protected SampledProbeOptions()
    {
    }

    /// <summary>How often the kernel's maps are read and a sample published; 10 ms to 1 day. Default 1 s.</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromSeconds(1);

    /// <inheritdoc/>
    private protected override void AddErrors(List<string> errors)
    {
        if (Interval < MinInterval || Interval > MaxInterval)
            errors.Add($"{nameof(Interval)} must be between {MinInterval.TotalMilliseconds} ms and {MaxInterval.TotalDays} day, not {Interval}");
    }
}
