namespace XMonitor.Bpf.Prometheus;

/// <summary>
/// Bounds cumulative per-key series (histograms and counters since start) without breaking their
/// monotonicity: a key that gets a series of its own keeps it for as long as it exists, and a key
/// that did not fit stays in the "other" sum for good. <see cref="TopSeries"/> reranks every
/// interval, which suits per-interval gauges, but would move cumulative counts out of "other" and
/// make it go down. Slots freed by keys that disappear go to the busiest new keys.
/// </summary>
internal sealed class StickySeries(int limit)
{
    private readonly HashSet<ulong> _own = [];
    private readonly HashSet<ulong> _other = [];
    private readonly List<ulong> _gone = [];

    /// <summary>
    /// Sorts this reading's keys into those with a series of their own and the rest.
    /// </summary>
    /// <param name="keys">Every key of the reading, with its activity (ranks new keys for free slots).</param>
    /// <returns>Whether each key, in input order, has its own series.</returns>
    public bool[] Assign(IReadOnlyList<(ulong Key, double Activity)> keys)
    {
        var present = keys.Select(k => k.Key).ToHashSet();
        _gone.Clear();
        _gone.AddRange(_own.Where(k => !present.Contains(k)));
        foreach (var key in _gone)
            _own.Remove(key);
        _other.IntersectWith(present);
        foreach (var (key, _) in keys.Where(k => !_own.Contains(k.Key) && !_other.Contains(k.Key)).OrderByDescending(k => k.Activity))
        {
            if (_own.Count < limit)
                _own.Add(key);
            else
                _other.Add(key);
        }
        var result = new bool[keys.Count];
        for (var i = 0; i < result.Length; i++)
            result[i] = _own.Contains(keys[i].Key);
        return result;
    }
}
