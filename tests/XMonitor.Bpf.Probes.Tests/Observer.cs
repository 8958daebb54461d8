namespace XMonitor.Bpf.Probes.Tests;

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
