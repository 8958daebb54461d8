namespace XMonitor.Bpf.Prometheus;

/// <summary>
/// Hands a probe's samples to a collector. Errors and completion need nothing: a probe completes
/// when it stops, and the collector keeps exporting the last values it saw.
/// </summary>
internal sealed class SampleObserver<T>(Action<T> onNext) : IObserver<T>
{
    public void OnNext(T value) => onNext(value);

    public void OnError(Exception error)
    {
    }

    public void OnCompleted()
    {
    }
}
