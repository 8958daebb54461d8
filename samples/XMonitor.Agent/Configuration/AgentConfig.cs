namespace XMonitor.Agent.Configuration;

/// <summary>A validated configuration file: every part the agent runs with.</summary>
internal sealed record AgentConfig
{
    /// <summary>The file it was read from.</summary>
    public required string File { get; init; }

    /// <summary>Where the HTTP endpoints listen.</summary>
    public required ListenConfig Listen { get; init; }

    /// <summary>Log level and format.</summary>
    public required LoggingConfig Logging { get; init; }

    /// <summary>Where events go besides the log and /events.</summary>
    public required EventsConfig Events { get; init; }

    /// <summary>The Prometheus registry's options.</summary>
    public required MetricsConfig Metrics { get; init; }

    /// <summary>Drop every capability once the probes are attached (reloads that restart a probe are then refused).</summary>
    public required bool DropCapabilities { get; init; }

    /// <summary>One section per known probe, in catalogue order, present or not in the file.</summary>
    public required IReadOnlyList<ProbeSection> Probes { get; init; }

    /// <summary>The section of the probe named <paramref name="name"/>.</summary>
    public ProbeSection Probe(string name) => Probes.Single(p => p.Name == name);
}

/// <summary>The <c>listen</c> section.</summary>
/// <param name="Address">An IP address; 127.0.0.1 by default, 0.0.0.0 or :: to serve other hosts.</param>
/// <param name="Port">The TCP port; 9435 by default, 0 picks a free one.</param>
internal sealed record ListenConfig(string Address, int Port);

/// <summary>The <c>logging</c> section.</summary>
/// <param name="Level">The minimum level written.</param>
/// <param name="Json">One JSON object per line (default) or plain console text.</param>
internal sealed record LoggingConfig(Microsoft.Extensions.Logging.LogLevel Level, bool Json);

/// <summary>The <c>events</c> section.</summary>
/// <param name="File">A file every event is appended to as one JSON line; none when null.</param>
/// <param name="Log">Whether events are also written to the log.</param>
internal sealed record EventsConfig(string? File, bool Log);

/// <summary>The <c>metrics</c> section.</summary>
/// <param name="LegacyNames">Also export x-monitor.eBPF's metric names.</param>
/// <param name="MaxProcessSeries">Per-process series per family at most.</param>
/// <param name="EnableRunStatistics">Turn the kernel's BPF run statistics on while the agent runs.</param>
internal sealed record MetricsConfig(bool LegacyNames, int MaxProcessSeries, bool EnableRunStatistics);
