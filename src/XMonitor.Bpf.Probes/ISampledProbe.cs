namespace XMonitor.Bpf.Probes;

/// <summary>A probe that reads the kernel's maps every interval and publishes what it read.</summary>
/// <typeparam name="TSample">One reading.</typeparam>
public interface ISampledProbe<out TSample>
{
    /// <summary>One reading every interval, and a last one for the partial interval when the probe stops.</summary>
    IObservable<TSample> Samples { get; }
}
