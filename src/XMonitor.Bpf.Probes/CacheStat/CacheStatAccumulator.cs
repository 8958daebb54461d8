namespace XMonitor.Bpf.Probes.CacheStat;

/// <summary>
/// Turns the kernel's cumulative counters into per-interval counts: it remembers the previous
/// reading of the system and of each process and subtracts it.
/// </summary>
internal sealed class CacheStatAccumulator(int topProcesses)
{
    private CacheStatCounters _system;
    private Dictionary<uint, CacheStatCounters> _previous = [];
    private Dictionary<uint, CacheStatCounters> _current = [];

    /// <summary>The system's counts since the previous call.</summary>
    public CacheStatCounts System(in CacheStatCounters cumulative)
    {
        var delta = CacheStatCounters.Delta(cumulative, _system);
        _system = cumulative;
        return new CacheStatCounts(delta);
    }

    /// <summary>
    /// The busiest processes since the previous call, from every entry of the map, and the raw
    /// counts of those left out (beyond the top N) added up with their number, so that nothing the
    /// kernel counted is lost. Processes missing from <paramref name="readings"/> (deleted from the
    /// map) and exited ones are forgotten, so a later process with the same pid starts from zero.
    /// </summary>
    public (IReadOnlyList<CacheStatProcess> Top, CacheStatCounts Others, int OtherCount) Processes(IEnumerable<CacheStatReading> readings)
    {
        var active = new List<(CacheStatReading Reading, CacheStatCounts Counts)>();
        foreach (var reading in readings)
        {
            var cumulative = CacheStatCounters.From(reading.Value.Counters);
            var delta = _previous.TryGetValue(reading.ProcessId, out var previous) ? CacheStatCounters.Delta(cumulative, previous) : cumulative;
            if (!reading.Exited)
                _current[reading.ProcessId] = cumulative;
            // An exited process is listed even without new counts: its last entry tells consumers it is gone.
            if (!delta.IsZero || reading.Exited)
                active.Add((reading, new CacheStatCounts(delta)));
        }
        (_previous, _current) = (_current, _previous);
        _current.Clear();
        active.Sort(Busiest);
        // Only the listed processes get an object and a command string: thousands may have been active.
        var listed = Math.Min(topProcesses, active.Count);
        var top = new CacheStatProcess[listed];
        for (var i = 0; i < listed; i++)
        {
            var (reading, counts) = active[i];
            top[i] = new CacheStatProcess((int)reading.ProcessId, reading.Value.Comm.ToString(), reading.Exited, counts);
        }
        var others = default(CacheStatCounters);
        for (var i = listed; i < active.Count; i++)
            others = others.Plus(active[i].Counts.Raw);
        return (top, new CacheStatCounts(others), active.Count - listed);
    }

    // Reads and writes both count: a process that only writes is as busy as one that only reads.
    private static int Busiest((CacheStatReading Reading, CacheStatCounts Counts) a, (CacheStatReading Reading, CacheStatCounts Counts) b)
    {
        var order = (b.Counts.Accesses + b.Counts.Dirtied).CompareTo(a.Counts.Accesses + a.Counts.Dirtied);
        if (order == 0)
            order = b.Counts.Raw.Added.CompareTo(a.Counts.Raw.Added);
        return order != 0 ? order : a.Reading.ProcessId.CompareTo(b.Reading.ProcessId);
    }
}
