namespace XMonitor.Bpf.Probes.ProcessVm;

/// <summary>The address-space figures of one process in a <see cref="ProcessVmSample"/>.</summary>
public sealed record ProcessVmProcess
{
    /// <summary>The process id (tgid), in the initial pid namespace.</summary>
    public required int ProcessId { get; init; }

    /// <summary>The process's name (its main thread's <c>comm</c>) at its last call the probe saw.</summary>
    public required string Command { get; init; }

    /// <summary>Private anonymous mappings.</summary>
    public required ProcessVmCounters AnonymousPrivate { get; init; }

    /// <summary>Shared mappings.</summary>
    public required ProcessVmCounters Shared { get; init; }

    /// <summary>The brk heap.</summary>
    public required ProcessVmCounters Brk { get; init; }

    /// <summary>The three kinds' current bytes together.</summary>
    public ulong CurrentBytes => AnonymousPrivate.CurrentBytes + Shared.CurrentBytes + Brk.CurrentBytes;

    /// <summary>
    /// Bytes unmapped that the probe had never seen mapped (made before it started, inherited through
    /// fork) or could not classify; not part of any kind's figures.
    /// </summary>
    public required ulong UntrackedFreedBytes { get; init; }

    /// <summary>
    /// Only without VMA lookup (<see cref="ProcessVmProbe.UsesVmaLookup"/> false): mappings not
    /// remembered because the range map was full (<see cref="ProcessVmOptions.MaxRanges"/>); their
    /// later unmap counts as untracked.
    /// </summary>
    public required ulong RangesDropped { get; init; }

    /// <summary>The counters of <paramref name="kind"/>.</summary>
    public ProcessVmCounters this[ProcessVmKind kind] => kind switch
    {
        ProcessVmKind.AnonymousPrivate => AnonymousPrivate,
        ProcessVmKind.Shared => Shared,
        ProcessVmKind.Brk => Brk,
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "unknown kind"),
    };
}
