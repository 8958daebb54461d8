namespace XMonitor.Bpf.Probes;

/// <summary>How a host runs the probes registered with it (<c>services.Configure&lt;ProbeHostingOptions&gt;(...)</c>).</summary>
public sealed class ProbeHostingOptions
{
    /// <summary>
    /// False (default): a probe that cannot start (no privileges, a kernel without what it needs, no
    /// libbpf) logs why, shows it in <see cref="Probe.State"/> and the probes' health check, and the
    /// host keeps running. True: the start's exception stops the host, as a hosted service's does.
    /// Invalid options stop the host either way (Options validation on start).
    /// </summary>
    public bool FailFast { get; set; }
}
