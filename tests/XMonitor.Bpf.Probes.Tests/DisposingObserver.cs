namespace XMonitor.Bpf.Probes.Tests;

/// <summary>Disposes the probe from inside its first callback, as a user who stops on a condition would.</summary>
internal sealed class DisposingObserver<T>(IDisposable probe, Collector<T> seen) : IObserver<T>
{
    public void OnCompleted() => seen.OnCompleted();

    public void OnError(Exception error) => seen.OnError(error);

    public void OnNext(T value)
    {
        seen.OnNext(value);
        probe.Dispose();
    }
}
