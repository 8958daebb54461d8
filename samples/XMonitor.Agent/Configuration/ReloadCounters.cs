namespace XMonitor.Agent.Configuration;

/// <summary>How configuration reloads ended, for the agent's metrics.</summary>
internal sealed class ReloadCounters
{
    private long _applied;
    private long _rejected;
    private long _refused;

    /// <summary>Reloads that were applied (possibly changing nothing).</summary>
    public long Applied => Interlocked.Read(ref _applied);

    /// <summary>Reloads of an invalid file; the running configuration stayed.</summary>
    public long Rejected => Interlocked.Read(ref _rejected);

    /// <summary>Reloads that would restart a probe after the capabilities were dropped.</summary>
    public long Refused => Interlocked.Read(ref _refused);

    public void CountApplied() => Interlocked.Increment(ref _applied);

    public void CountRejected() => Interlocked.Increment(ref _rejected);

    public void CountRefused() => Interlocked.Increment(ref _refused);
}
