namespace XMonitor.Samples.Runqlat;

/// <summary>An <see cref="IObserver{T}"/> from delegates, so the sample needs no Rx.</summary>
internal sealed class Observer<T>(Action<T> onNext, Action? onCompleted = null) : IObserver<T>
{
    public void OnNext(T value) => onNext(value);

    public void OnCompleted() => onCompleted?.Invoke();

    public void OnError(Exception error) => Console.Error.WriteLine($"error: {error.Message}");
}
