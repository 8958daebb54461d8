namespace XMonitor.Bpf.Prometheus;

/// <summary>
/// Bounds cumulative per-key series (histograms or counters since start) so that no exported value
/// ever goes down, also when the probe forgets keys (an exited process, a removed cgroup). Fed every
/// reading of the probe, with each key's delta since the previous reading and its cumulative value:
/// <list type="bullet">
/// <item>A key with a series of its own exports its cumulative value. When the key disappears its
/// last value stays for the retention time, so that scrapes see its last interval, then the series
/// is dropped; its slot is free again only then, so at most <c>limit</c> series exist at any time.</item>
/// <item>A key that did not fit is in "other" for as long as it exists. "Other" adds up what its keys
/// added (their cumulative value when first seen, then their deltas), so a key leaving takes
/// nothing away from it. A key that reappears while its retained series is held (a reused pid)
/// goes there too.</item>
/// <item>The total adds up every key the same way.</item>
/// </list>
/// Not thread-safe: the caller serializes readings.
/// </summary>
/// <typeparam name="T">A key's value: a histogram, counters, or several of them.</typeparam>
/// <param name="limit">How many keys get a series of their own, at least 1.</param>
/// <param name="retention">How long the series of a key that disappeared keeps its last value.</param>
/// <param name="width">How many numbers a value has when flattened (a histogram's slots and its sum).</param>
/// <param name="addTo">Adds a value's numbers to a sum of <paramref name="width"/> numbers, in place: adding up keys allocates nothing.</param>
internal sealed class MonotonicSeries<T>(int limit, TimeSpan retention, int width, Action<T, Span<ulong>> addTo)
{
    private readonly ulong[] _otherSum = new ulong[width];
    private readonly ulong[] _total = new ulong[width];
    private readonly Dictionary<ulong, T> _own = [];
    private readonly Dictionary<ulong, (T Value, DateTimeOffset Gone)> _retained = [];
    private readonly HashSet<ulong> _other = [];
    private readonly List<ulong> _scratch = [];

    /// <summary>The sum of what the keys outside the own series added, flattened; <see cref="HasOther"/> says whether any key was ever there.</summary>
    public ReadOnlySpan<ulong> Other => _otherSum;

    /// <summary>Whether a key was ever summed into <see cref="Other"/>: from then on the "other" series exists.</summary>
    public bool HasOther { get; private set; }

    /// <summary>The sum of what every key added, flattened.</summary>
    public ReadOnlySpan<ulong> Total => _total;

    /// <summary>
    /// Takes one reading: every key the probe has now, with its activity in the interval (ranks new
    /// keys for free slots), its delta since the previous reading and its cumulative value.
    /// </summary>
    /// <param name="keys">The reading's keys, each once.</param>
    /// <param name="now">When the reading was taken (starts and ends retention).</param>
    public void Observe(IReadOnlyList<(ulong Key, double Activity, T Delta, T Cumulative)> keys, DateTimeOffset now)
    {
        var present = new HashSet<ulong>(keys.Count);
        foreach (var k in keys)
            present.Add(k.Key);

        _scratch.Clear();
        _scratch.AddRange(_own.Keys.Where(k => !present.Contains(k)));
        foreach (var key in _scratch)
        {
            _retained[key] = (_own[key], now);
            _own.Remove(key);
        }
        _scratch.Clear();
        _scratch.AddRange(_retained.Where(r => r.Value.Gone + retention <= now).Select(r => r.Key));
        foreach (var key in _scratch)
            _retained.Remove(key);
        _other.IntersectWith(present);

        // First sightings add their whole cumulative value, later readings their delta.
        var fresh = keys.Where(k => !_own.ContainsKey(k.Key) && !_other.Contains(k.Key)).OrderByDescending(k => k.Activity).ToList();
        var known = present;
        known.ExceptWith(fresh.Select(f => f.Key));
        foreach (var (key, _, _, cumulative) in fresh)
        {
            addTo(cumulative, _total);
            // A retained key seen again is a new process with a reused pid: a series of its own
            // would continue the retained one with smaller values, so it goes to "other".
            if (_own.Count + _retained.Count < limit && !_retained.ContainsKey(key))
            {
                _own[key] = cumulative;
                continue;
            }
            _other.Add(key);
            addTo(cumulative, _otherSum);
            HasOther = true;
        }
        foreach (var (key, _, delta, cumulative) in keys)
        {
            if (!known.Contains(key))
                continue;
            addTo(delta, _total);
            if (_own.ContainsKey(key))
            {
                _own[key] = cumulative;
                continue;
            }
            addTo(delta, _otherSum);
        }
    }

    /// <summary>Every key with a series of its own, present or retained, with its value, ordered by key.</summary>
    public IReadOnlyList<(ulong Key, T Value)> Series()
        => [.. _own.Select(o => (o.Key, o.Value)).Concat(_retained.Select(r => (r.Key, r.Value.Value))).OrderBy(s => s.Item1)];
}
