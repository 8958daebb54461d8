namespace XMonitor.Agent.Configuration;

/// <summary>
/// A configuration file the agent cannot run with. The message is the one line an operator needs:
/// <c>agent.yaml:14: cpu_sched.interval: expected a duration such as 5s, got 'fast'</c>.
/// </summary>
internal sealed class ConfigException(string file, long line, string key, string problem)
    : Exception($"{Path.GetFileName(file)}{(line > 0 ? $":{line}" : "")}: {(key.Length == 0 ? "" : key + ": ")}{problem}")
{
    /// <summary>The configuration file.</summary>
    public string File { get; } = file;

    /// <summary>The 1-based line of the offending key or value (0 when the file could not be read).</summary>
    public long Line { get; } = line;

    /// <summary>The dotted key, such as <c>cpu_sched.interval</c>; empty for a problem of the whole file.</summary>
    public string Key { get; } = key;
}
