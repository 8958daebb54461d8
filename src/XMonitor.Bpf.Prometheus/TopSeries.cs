namespace XMonitor.Bpf.Prometheus;

/// <summary>
/// Bounds per-process series: the N most active entries are exported as they are, everything else
/// is summed into one series (<c>comm="other"</c>), so the series count cannot grow with the number
/// of processes on the host. N is <see cref="XMonitorMetricsOptions.MaxProcessSeries"/>.
/// </summary>
/// <remarks>
/// Membership changes between scrapes: a process that drops out of the top N moves into "other".
/// Export per-interval values (gauges) for bounded families; a counter summed into "other" would
/// go down whenever a process moves from "other" into the top N.
/// </remarks>
public static class TopSeries
{
    /// <summary>The <c>comm</c> label value of the series that holds the sum of every entry outside the top N.</summary>
    public const string OtherComm = "other";

    /// <summary>
    /// Returns at most <paramref name="limit"/> + 1 entries: the <paramref name="limit"/> entries with
    /// the highest <paramref name="activity"/> (ties keep their input order), then, when anything was
    /// left out, the left-out entries folded with <paramref name="combine"/> and relabelled by
    /// <paramref name="asOther"/>. With no more than <paramref name="limit"/> entries the input is returned in its order.
    /// </summary>
    /// <typeparam name="T">An entry: its labels and values.</typeparam>
    /// <param name="entries">This interval's entries.</param>
    /// <param name="limit">How many entries to keep, at least 1.</param>
    /// <param name="activity">What ranks an entry (events or time in the interval).</param>
    /// <param name="combine">Adds two entries' values.</param>
    /// <param name="asOther">Turns the sum of the left-out entries into the "other" entry (sets <c>comm</c> to <see cref="OtherComm"/>, clears per-process labels).</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="limit"/> is less than 1.</exception>
    public static IReadOnlyList<T> Bound<T>(IReadOnlyList<T> entries, int limit, Func<T, double> activity, Func<T, T, T> combine, Func<T, T> asOther)
        => Bound(entries, limit, activity, combine, asOther, []);

    /// <summary>
    /// Like <see cref="Bound{T}(IReadOnlyList{T}, int, Func{T, double}, Func{T, T, T}, Func{T, T})"/>,
    /// with <paramref name="outside"/>: what the source itself already left out of
    /// <paramref name="entries"/> (a probe's own top N), which always goes into "other" with the
    /// left-out entries, so the series add up to every count.
    /// </summary>
    /// <typeparam name="T">An entry: its labels and values.</typeparam>
    /// <param name="entries">This interval's entries.</param>
    /// <param name="limit">How many entries to keep, at least 1.</param>
    /// <param name="activity">What ranks an entry (events or time in the interval).</param>
    /// <param name="combine">Adds two entries' values.</param>
    /// <param name="asOther">Turns the sum of the left-out entries into the "other" entry.</param>
    /// <param name="outside">Sums the source left out; empty when it listed everything.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="limit"/> is less than 1.</exception>
    public static IReadOnlyList<T> Bound<T>(IReadOnlyList<T> entries, int limit, Func<T, double> activity, Func<T, T, T> combine, Func<T, T> asOther, IReadOnlyList<T> outside)
    {
        ArgumentNullException.ThrowIfNull(entries);
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        ArgumentNullException.ThrowIfNull(activity);
        ArgumentNullException.ThrowIfNull(combine);
        ArgumentNullException.ThrowIfNull(asOther);
        ArgumentNullException.ThrowIfNull(outside);
        if (entries.Count <= limit)
            return outside.Count == 0 ? entries : [.. entries, asOther(outside.Aggregate(combine))];
        var ranked = new (double Activity, int Index)[entries.Count];
        for (var i = 0; i < ranked.Length; i++)
            ranked[i] = (activity(entries[i]), i);
        Array.Sort(ranked, (a, b) => b.Activity != a.Activity ? b.Activity.CompareTo(a.Activity) : a.Index.CompareTo(b.Index));
        var result = new List<T>(limit + 1);
        for (var i = 0; i < limit; i++)
            result.Add(entries[ranked[i].Index]);
        var rest = entries[ranked[limit].Index];
        for (var i = limit + 1; i < ranked.Length; i++)
            rest = combine(rest, entries[ranked[i].Index]);
        foreach (var entry in outside)
            rest = combine(rest, entry);
        result.Add(asOther(rest));
        return result;
    }
}
