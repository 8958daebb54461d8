namespace XMonitor.Bpf.Probes;

/// <summary>Where a <see cref="Probe"/> is in its life; <see cref="Probe.StateReason"/> says why.</summary>
public enum ProbeState
{
    /// <summary>Created; nothing touches the kernel before <see cref="Probe.Start"/>.</summary>
    NotStarted,
    /// <summary>Loading and attaching its programs.</summary>
    Starting,
    /// <summary>Attached and reading.</summary>
    Running,
    /// <summary>Attached, but its last reading of the kernel's maps or its event reader failed; the reason names the error.</summary>
    Degraded,
    /// <summary>The start failed (bad options, no privileges, a program the kernel refused); the reason names the error.</summary>
    Failed,
    /// <summary>The kernel offers none of the probe's attach strategies; the reason names what it lacks.</summary>
    Unsupported,
    /// <summary>Disposed: detached, and its kernel objects freed.</summary>
    Stopped,
}
