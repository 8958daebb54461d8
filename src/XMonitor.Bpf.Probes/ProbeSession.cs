namespace XMonitor.Bpf.Probes;

/// <summary>
/// What one start of a probe made in the kernel and how <see cref="ProbeRunner"/> drives it: the
/// links (detached first on stop), the reading published every interval (null for an event-only
/// probe), the optional ring-buffer drain, and the objects freed last (<c>release</c>: ring-buffer
/// readers, then the skeleton).
/// </summary>
internal sealed class ProbeSession(IReadOnlyList<BpfLink> links, Action release, Action? publishInterval) : IDisposable
{
    public IReadOnlyList<BpfLink> Links => links;

    /// <summary>The loaded programs, attached or not (for health metrics); by default the linked ones.</summary>
    public IReadOnlyList<BpfProgram> Programs { get; init; } = [.. links.Select(l => l.Program)];

    public Action? PublishInterval => publishInterval;

    /// <summary>Hands every waiting ring-buffer record to the probe; null without a ring buffer.</summary>
    public Action? ConsumeEvents { get; init; }

    /// <summary>Blocks until records may be waiting or the token is cancelled; set with <see cref="ConsumeEvents"/>.</summary>
    public Action<CancellationToken>? WaitEvents { get; init; }

    /// <summary>Runs after the last reading and records, before the kernel objects are freed (for example to log dropped records).</summary>
    public Action? Stopped { get; init; }

    public void Detach()
    {
        foreach (var link in links)
            link.Dispose();
    }

    public void Dispose()
    {
        Detach();
        release();
    }

    /// <summary>Frees what a start that failed had made: the links first, then the BPF objects (null: none loaded).</summary>
    public static void ReleaseFailedAttach(IEnumerable<BpfLink> links, IDisposable? objects)
    {
        foreach (var link in links)
            link.Dispose();
        objects?.Dispose();
    }
}
