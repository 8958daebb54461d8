using System.Runtime.CompilerServices;
using System.Threading.Channels;

namespace XMonitor.Bpf.Probes;

/// <summary>
/// Consuming a probe's streams without another package: a callback per value
/// (<see cref="Observe{T}"/>), or an <see cref="IAsyncEnumerable{T}"/> to <c>await foreach</c>
/// (<see cref="ReadAllAsync{T}"/>). Named so they do not collide with System.Reactive's
/// <c>Subscribe</c> or System.Linq.Async's <c>ToAsyncEnumerable</c> where those are referenced too.
/// </summary>
public static class ProbeStreamExtensions
{
    /// <summary>Subscribes callbacks; dispose the result to unsubscribe.</summary>
    /// <param name="source">A probe's <c>Samples</c> or <c>Events</c>.</param>
    /// <param name="onNext">Called with each value, on the probe's thread: return quickly.</param>
    /// <param name="onCompleted">Called once when the probe stopped.</param>
    /// <example>
    /// <code>
    /// using var subscription = probe.Samples.Observe(s => Console.WriteLine(s.Counts));
    /// </code>
    /// </example>
    public static IDisposable Observe<T>(this IObservable<T> source, Action<T> onNext, Action? onCompleted = null)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(onNext);
        return source.Subscribe(new CallbackObserver<T>(onNext, onCompleted));
    }

    /// <summary>
    /// Reads the values as they come until the probe stops or <paramref name="cancellationToken"/>
    /// is cancelled. Subscribes at the first <c>MoveNextAsync</c>, so start the probe after the
    /// enumeration began to miss nothing. Values wait in a buffer of <paramref name="capacity"/>;
    /// when the reader falls that far behind, the oldest are dropped so the probe never waits.
    /// </summary>
    /// <example>
    /// <code>
    /// await foreach (var kill in probe.Events.ReadAllAsync(cancellationToken: stoppingToken))
    ///     logger.LogWarning("OOM kill of {Pid}", kill.ProcessId);
    /// </code>
    /// </example>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="capacity"/> is less than 1.</exception>
    public static IAsyncEnumerable<T> ReadAllAsync<T>(this IObservable<T> source, int capacity = 1024, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        return Read(source, capacity, cancellationToken);
    }

    private static async IAsyncEnumerable<T> Read<T>(IObservable<T> source, int capacity, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var channel = Channel.CreateBounded<T>(new BoundedChannelOptions(capacity)
        {
            FullMode = BoundedChannelFullMode.DropOldest,
            SingleReader = true,
        });
        using var subscription = source.Subscribe(new CallbackObserver<T>(v => channel.Writer.TryWrite(v), () => channel.Writer.TryComplete()));
        while (await channel.Reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
        {
            while (channel.Reader.TryRead(out var value))
                yield return value;
        }
    }

    private sealed class CallbackObserver<T>(Action<T> onNext, Action? onCompleted) : IObserver<T>
    {
        public void OnNext(T value) => onNext(value);

        public void OnError(Exception error)
        {
            // The probes never call OnError: a reading that fails is logged and the stream goes on.
        }

        public void OnCompleted() => onCompleted?.Invoke();
    }
}
