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

    /// <summary>
    /// A session whose probe also drains a ring buffer of <typeparamref name="T"/> records (none when
    /// <paramref name="ring"/> is null, its events being off): the reader thread hands each record to
    /// <paramref name="onEvent"/>, and the ring is freed before <paramref name="objects"/>.
    /// </summary>
    public static ProbeSession WithEvents<T>(IReadOnlyList<BpfLink> links, IDisposable objects, Action? publishInterval,
        BpfRingBuffer<T>? ring, RingBufferRecordHandler<T> onEvent, IReadOnlyList<BpfProgram> programs, Action stopped)
        where T : unmanaged
        => new(links, () =>
        {
            ring?.Dispose();
            objects.Dispose();
        }, publishInterval)
        {
            Programs = programs,
            ConsumeEvents = ring is null ? null : () => ring.Consume(onEvent),
            WaitEvents = ring is null ? null : token => ring.Wait(Timeout.InfiniteTimeSpan, token),
            Stopped = stopped,
        };

    /// <summary>Frees what a start that failed had made: the links first, then the BPF objects (null: none loaded).</summary>
    public static void ReleaseFailedAttach(IEnumerable<BpfLink> links, IDisposable? objects)
    {
        foreach (var link in links)
            link.Dispose();
        objects?.Dispose();
    }
}
