namespace XMonitor.Agent.Probes;

/// <summary>Where a probe is in its life, as /probes and the agent's metrics show it.</summary>
internal enum ProbeState
{
    /// <summary>Its section says <c>enabled: false</c>, or the file has no section for it.</summary>
    Disabled,

    /// <summary>Loading and attaching.</summary>
    Starting,

    /// <summary>Attached and reporting.</summary>
    Running,

    /// <summary>The kernel lacks what the probe needs (a <c>BpfNotSupportedException</c>); it does not count against /healthz.</summary>
    Unsupported,

    /// <summary>Starting failed for another reason; /healthz reports it.</summary>
    Failed,

    /// <summary>Stopped with the agent.</summary>
    Stopped,
}
