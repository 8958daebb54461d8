using System.Reflection;
using XMonitor.Bpf.Prometheus;

namespace XMonitor.Deployment.Tests;

/// <summary>
/// The agent (samples/XMonitor.Agent, assembly xmon-agent) when this build references it. Its
/// configuration loader and its own metric families are internal, so they are reached by reflection.
/// </summary>
internal static class AgentAssembly
{
    private static readonly Lazy<Assembly?> Loaded = new(Load);

    /// <summary>The agent's assembly, or null when the repository has no agent yet.</summary>
    public static Assembly? Value => Loaded.Value;

    /// <summary>
    /// Parses <paramref name="yaml"/> with the agent's <c>ConfigLoader.Parse(text, file)</c>; returns
    /// null when it accepts it, else the loader's message.
    /// </summary>
    public static string? ConfigError(Assembly agent, string yaml, string file)
    {
        var loader = agent.GetType("XMonitor.Agent.Configuration.ConfigLoader", throwOnError: true)!;
        var parse = loader.GetMethod("Parse", BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static, [typeof(string), typeof(string)]);
        Assert.NotNull(parse);
        try
        {
            parse.Invoke(null, [yaml, file]);
            return null;
        }
        catch (TargetInvocationException e) when (e.InnerException?.GetType().Name == "ConfigException")
        {
            return e.InnerException.Message;
        }
    }

    /// <summary>The sample names of every metric family the agent declares itself (static fields).</summary>
    public static IEnumerable<string> MetricNames(Assembly agent) => agent.GetTypes()
        .SelectMany(t => t.GetFields(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static))
        .Where(f => f.FieldType == typeof(MetricFamily))
        .Select(f => (MetricFamily)f.GetValue(null)!)
        .SelectMany(f => ExportedMetricNames.SampleNames(f.Name, f.Type.ToString()));

    private static Assembly? Load()
    {
        var path = Path.Combine(AppContext.BaseDirectory, "xmon-agent.dll");
        return File.Exists(path) ? Assembly.LoadFrom(path) : null;
    }
}
