namespace XMonitor.Bpf.Probes;

/// <summary>A probe that publishes records as the kernel writes them (through a ring buffer).</summary>
/// <typeparam name="TEvent">One record.</typeparam>
public interface IEventProbe<out TEvent>
{
    /// <summary>Every record, in the order the kernel wrote it; those still in the ring buffer when the probe stops come last.</summary>
    IObservable<TEvent> Events { get; }

    /// <summary>Records the kernel could not write because the ring buffer was full (readers too slow); 0 when not running.</summary>
    ulong DroppedEvents { get; }
}
