using XMonitor.Bpf.Probes.CacheStat;

namespace XMonitor.Samples.CacheStat;

/// <summary>Prints samples as BCC's cachestat lines, optionally followed by the busiest processes.</summary>
internal sealed class Printer(Settings settings) : IObserver<CacheStatSample>
{
    private readonly TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _printed;

    /// <summary>Completes after <see cref="Settings.Count"/> samples, or when the probe stops.</summary>
    public Task Done => _done.Task;

    public static void PrintHeader(Settings settings)
        => Console.WriteLine($"{(settings.Timestamps ? "TIME     " : "")}{"HITS",8} {"MISSES",8} {"DIRTIES",8} {"HITRATIO",9} {"BUFFERS_MB",11} {"CACHED_MB",10}");

    public void OnNext(CacheStatSample sample)
    {
        if (_done.Task.IsCompleted)
            return;
        var s = sample.System;
        var time = settings.Timestamps ? $"{sample.Timestamp.ToLocalTime():HH:mm:ss} " : "";
        Console.WriteLine($"{time}{s.Hits,8} {s.Misses,8} {s.Dirtied,8} {Ratio(s),9} {sample.BuffersMegabytes,11:F0} {sample.CachedMegabytes,10:F0}");
        foreach (var p in sample.Processes)
        {
            var c = p.Counts;
            Console.WriteLine($"    {p.ProcessId,8} {p.Command,-16} hits {c.Hits,8} misses {c.Misses,8} dirties {c.Dirtied,8} ratio {Ratio(c)}{(p.HasExited ? " (exited)" : "")}");
        }
        if (settings.Count is { } count && ++_printed >= count)
            _done.TrySetResult();
    }

    public void OnCompleted() => _done.TrySetResult();

    public void OnError(Exception error) => _done.TrySetException(error);

    // An interval without accesses has no ratio: printed as "-" rather than a made-up 0 or 100 %.
    private static string Ratio(CacheStatCounts counts) => counts.HitRatio is { } r ? $"{r * 100:F2}%" : "-";
}
