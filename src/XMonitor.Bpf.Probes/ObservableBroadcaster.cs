using System.Collections.Immutable;

namespace XMonitor.Bpf.Probes;

/// <summary>
/// A hot <see cref="IObservable{T}"/> that hands every value to the observers subscribed at that
/// moment. Publishing reads an immutable snapshot, so it takes no lock and subscribers may come and
/// go from any thread, also from inside a callback. An observer that throws is reported through
/// <c>onObserverError</c> and keeps its subscription: one faulty consumer must not stop a probe's
/// reader thread or starve the other consumers.
/// </summary>
internal sealed class ObservableBroadcaster<T>(Action<Exception> onObserverError) : IObservable<T>
{
    private readonly Lock _gate = new();
    private ImmutableArray<IObserver<T>> _observers = [];
    private bool _completed;

    public bool HasObservers => !_observers.IsEmpty;

    public IDisposable Subscribe(IObserver<T> observer)
    {
        ArgumentNullException.ThrowIfNull(observer);
        lock (_gate)
        {
            if (!_completed)
            {
                _observers = _observers.Add(observer);
                return new Subscription(this, observer);
            }
        }
        observer.OnCompleted();
        return new Subscription(this, observer);
    }

    public void Publish(T value)
    {
        foreach (var observer in _observers)
        {
            try
            {
                observer.OnNext(value);
            }
            catch (Exception e)
            {
                onObserverError(e);
            }
        }
    }

    /// <summary>Tells every observer that no more values come; later subscribers are told at once.</summary>
    public void Complete()
    {
        ImmutableArray<IObserver<T>> observers;
        lock (_gate)
        {
            if (_completed)
                return;
            _completed = true;
            observers = _observers;
            _observers = [];
        }
        foreach (var observer in observers)
        {
            try
            {
                observer.OnCompleted();
            }
            catch (Exception e)
            {
                onObserverError(e);
            }
        }
    }

    private void Unsubscribe(IObserver<T> observer)
    {
        lock (_gate)
            _observers = _observers.Remove(observer);
    }

    private sealed class Subscription(ObservableBroadcaster<T> owner, IObserver<T> observer) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
                owner.Unsubscribe(observer);
        }
    }
}
