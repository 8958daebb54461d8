namespace XMonitor.Bpf.AllProbes;

/// <summary>Counts what the probes publish, so a run shows every probe delivered (readings and events per probe).</summary>
internal sealed class ReadingCounter
{
    private readonly Dictionary<string, Counter> _counters = [];

    /// <summary>An observer that counts into <paramref name="name"/>'s total.</summary>
    public IObserver<T> For<T>(string name)
    {
        if (!_counters.TryGetValue(name, out var counter))
            _counters[name] = counter = new Counter();
        return new CountingObserver<T>(counter);
    }

    public IEnumerable<(string Name, long Count)> Totals => _counters.Select(c => (c.Key, Interlocked.Read(ref c.Value.Count)));

    private sealed class Counter
    {
        public long Count;
    }

    private sealed class CountingObserver<T>(Counter counter) : IObserver<T>
    {
        public void OnNext(T value) => Interlocked.Increment(ref counter.Count);

        public void OnError(Exception error) => Console.Error.WriteLine($"probe failed: {error.Message}");

        public void OnCompleted()
        {
        }
    }
}
