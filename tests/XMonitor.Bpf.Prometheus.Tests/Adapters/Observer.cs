namespace XMonitor.Bpf.Prometheus.Tests.Adapters;

/// <summary>An <see cref="IObserver{T}"/> from a delegate.</summary>
internal sealed class Observer<T>(Action<T> onNext) : IObserver<T>
{
    public void OnCompleted()
    {
    }

    public void OnError(Exception error)
    {
    }

    public void OnNext(T value) => onNext(value);
}
