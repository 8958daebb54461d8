namespace XMonitor.Agent;

/// <summary>The command line: only where the configuration file is; everything else is in the file.</summary>
/// <param name="ConfigFile">The configuration file: <c>--config PATH</c>, or the <c>agent.yaml</c> shipped next to the agent.</param>
internal sealed record AgentArguments(string ConfigFile)
{
    public const string Usage = """
        usage: xmon-agent [--config PATH]

        Runs the XMonitor.Bpf probes configured in PATH (default: agent.yaml next to xmon-agent.dll)
        and serves /metrics, /healthz, /probes and /events (http://127.0.0.1:9435 by default).
        SIGHUP or saving the file reloads it: probes whose section changed restart, others keep running.
        SIGTERM or Ctrl-C stops, detaching every program.
        """;

    /// <exception cref="ArgumentException">An unknown argument, or --config without a path.</exception>
    public static AgentArguments Parse(IReadOnlyList<string> args)
    {
        var file = Path.Combine(AppContext.BaseDirectory, Configuration.ConfigLoader.DefaultFileName);
        for (var i = 0; i < args.Count; i++)
        {
            if (args[i] == "--config" && i + 1 < args.Count)
                file = args[++i];
            else if (args[i].StartsWith("--config=", StringComparison.Ordinal))
                file = args[i]["--config=".Length..];
            else
                throw new ArgumentException(args[i] == "--config" ? "--config needs a path" : $"unknown argument '{args[i]}'");
        }
        return new AgentArguments(file);
    }
}
