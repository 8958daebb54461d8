namespace XMonitor.Bpf.Probes.Tests.BioLatency;

/// <summary>Sets an event when the observable completes.</summary>
internal sealed class CompletionObserver<T>(ManualResetEventSlim completed) : IObserver<T>
{
    public void OnCompleted() => completed.Set();

    public void OnError(Exception error) => completed.Set();

    public void OnNext(T value)
    {
    }
}
