namespace XMonitor.Bpf.Probes.CacheStat;

/// <summary>One process's page cache activity in an interval.</summary>
public sealed class CacheStatProcess
{
    internal CacheStatProcess(int processId, string command, bool hasExited, CacheStatCounts counts)
    {
        ProcessId = processId;
        Command = command;
        HasExited = hasExited;
        Counts = counts;
    }

    /// <summary>The process id (tgid) in the initial pid namespace.</summary>
    public int ProcessId { get; }

    /// <summary>The process's name (its main thread's <c>comm</c>) at its last counted event.</summary>
    public string Command { get; }

    /// <summary>
    /// True when the process had exited when it was read: this is its last entry, and the probe
    /// removed it from the kernel's map after reading it.
    /// </summary>
    public bool HasExited { get; }

    /// <summary>Its hits, misses and dirtied pages in the interval.</summary>
    public CacheStatCounts Counts { get; }
}
