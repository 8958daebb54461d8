using System.Collections.Concurrent;

namespace XMonitor.Bpf.Probes.Tests;

/// <summary>An observer that keeps everything it is given, for assertions after the fact.</summary>
internal sealed class Collector<T> : IObserver<T>
{
    private readonly ConcurrentQueue<T> _items = new();
    private readonly TaskCompletionSource _completed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public IReadOnlyList<T> Items => _items.ToArray();

    public bool IsCompleted => _completed.Task.IsCompleted;

    public void OnCompleted() => _completed.TrySetResult();

    public void OnError(Exception error) => _completed.TrySetException(error);

    public void OnNext(T value) => _items.Enqueue(value);

    /// <summary>Waits until an item matches <paramref name="predicate"/> or <paramref name="timeout"/> passes.</summary>
    public T? WaitFor(Func<T, bool> predicate, TimeSpan timeout)
    {
        var end = DateTime.UtcNow + timeout;
        do
        {
            foreach (var item in _items)
            {
                if (predicate(item))
                    return item;
            }
            Thread.Sleep(20);
        }
        while (DateTime.UtcNow < end);
        return default;
    }
}
