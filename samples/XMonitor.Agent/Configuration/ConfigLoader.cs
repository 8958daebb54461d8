using System.Net;
using Microsoft.Extensions.Logging;
using XMonitor.Agent.Probes;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace XMonitor.Agent.Configuration;

/// <summary>
/// Reads and checks a configuration file. Every problem is a <see cref="ConfigException"/> naming the
/// key and its line; the first one found stops the reading, so start-up (or a reload) fails with one message.
/// </summary>
internal static class ConfigLoader
{
    /// <summary>The file shipped next to the agent, used without <c>--config</c>.</summary>
    public const string DefaultFileName = "agent.yaml";

    private static readonly string[] SectionKeys = ["listen", "logging", "events", "metrics", "drop_capabilities"];

    /// <summary>Reads <paramref name="path"/>.</summary>
    /// <exception cref="ConfigException">The file cannot be read or is not a valid configuration.</exception>
    public static AgentConfig Load(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ConfigException(path, 0, "", $"cannot read the configuration file {Path.GetFullPath(path)}: {e.Message}");
        }
        return Parse(text, path);
    }

    /// <summary>Reads a configuration from <paramref name="text"/>, naming <paramref name="file"/> in errors.</summary>
    /// <exception cref="ConfigException">The text is not a valid configuration.</exception>
    public static AgentConfig Parse(string text, string file)
    {
        var context = new ConfigContext(file);
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(text));
        }
        catch (YamlException e)
        {
            throw new ConfigException(file, e.Start.Line, "", $"not valid YAML: {(e.InnerException ?? e).Message}");
        }
        YamlMappingNode root;
        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is YamlScalarNode { Value: null or "" })
            root = new YamlMappingNode();
        else if (stream.Documents[0].RootNode is YamlMappingNode mapping)
            root = mapping;
        else
            throw context.Error(stream.Documents[0].RootNode, "", "expected a mapping of sections (listen, logging, cpu_sched, ...) at the top of the file");

        var known = SectionKeys.Concat(ProbeCatalog.All.Select(p => p.Name)).ToArray();
        var sections = new Dictionary<string, YamlNode>(StringComparer.Ordinal);
        foreach (var (keyNode, value) in root.Children)
        {
            var key = YamlValues.KeyName(keyNode, context);
            if (!known.Contains(key))
                throw context.Error(keyNode, key, $"unknown key; the file takes {string.Join(", ", known)}");
            sections[key] = value;
        }

        return new AgentConfig
        {
            File = file,
            Listen = ReadListen(Section(sections, "listen", context), context),
            Logging = ReadLogging(Section(sections, "logging", context), context),
            Events = ReadEvents(Section(sections, "events", context), context),
            Metrics = ReadMetrics(Section(sections, "metrics", context), context),
            DropCapabilities = sections.TryGetValue("drop_capabilities", out var drop) && YamlValues.Boolean(drop, context, "drop_capabilities"),
            Probes = ProbeCatalog.All.Select(p => ProbeOptionsBinder.Bind(p, sections.GetValueOrDefault(p.Name), sections.ContainsKey(p.Name), context)).ToArray(),
        };
    }

    private static ListenConfig ReadListen(SectionReader section, ConfigContext context)
    {
        var address = "127.0.0.1";
        var port = Bpf.Prometheus.XMonitorMetricsOptions.DefaultPort;
        section.Read("address", n =>
        {
            address = YamlValues.Text(n, "an IP address", context, "listen.address").Trim();
            if (!IPAddress.TryParse(address, out _))
                throw context.Error(n, "listen.address", $"expected an IP address such as 127.0.0.1 or 0.0.0.0, got '{address}'");
        });
        section.Read("port", n => port = YamlValues.Integer<int>(n, context, "listen.port", 0) is var p && p <= 65535
            ? p
            : throw context.Error(n, "listen.port", $"expected a port from 0 to 65535, got {p}"));
        section.Done();
        return new ListenConfig(address, port);
    }

    private static LoggingConfig ReadLogging(SectionReader section, ConfigContext context)
    {
        var level = LogLevel.Information;
        var json = true;
        section.Read("level", n => level = (LogLevel)YamlValues.Enum(typeof(LogLevel), n, context, "logging.level"));
        section.Read("json", n => json = YamlValues.Boolean(n, context, "logging.json"));
        section.Done();
        return new LoggingConfig(level, json);
    }

    private static EventsConfig ReadEvents(SectionReader section, ConfigContext context)
    {
        string? file = null;
        var log = true;
        section.Read("file", n => file = YamlValues.IsNull(n) ? null : YamlValues.Text(n, "a file path", context, "events.file"));
        section.Read("log", n => log = YamlValues.Boolean(n, context, "events.log"));
        section.Done();
        if (file is not null && !Path.IsPathFullyQualified(file))
            file = Path.GetFullPath(file, Path.GetDirectoryName(Path.GetFullPath(context.File))!);
        return new EventsConfig(file, log);
    }

    private static MetricsConfig ReadMetrics(SectionReader section, ConfigContext context)
    {
        var legacy = false;
        var maxProcessSeries = 50;
        var runStatistics = false;
        section.Read("legacy_names", n => legacy = YamlValues.Boolean(n, context, "metrics.legacy_names"));
        section.Read("max_process_series", n => maxProcessSeries = YamlValues.Integer<int>(n, context, "metrics.max_process_series", 1));
        section.Read("enable_run_statistics", n => runStatistics = YamlValues.Boolean(n, context, "metrics.enable_run_statistics"));
        section.Done();
        return new MetricsConfig(legacy, maxProcessSeries, runStatistics);
    }

    private static SectionReader Section(Dictionary<string, YamlNode> sections, string name, ConfigContext context)
    {
        if (!sections.TryGetValue(name, out var node) || YamlValues.IsNull(node))
            return new SectionReader(name, new YamlMappingNode(), context);
        if (node is not YamlMappingNode mapping)
            throw context.Error(node, name, "expected a mapping of settings");
        return new SectionReader(name, mapping, context);
    }

    /// <summary>Reads a section's keys one by one and rejects the ones nobody read.</summary>
    private sealed class SectionReader(string name, YamlMappingNode mapping, ConfigContext context)
    {
        private readonly List<string> _known = [];

        public void Read(string key, Action<YamlNode> read)
        {
            _known.Add(key);
            if (mapping.Children.TryGetValue(new YamlScalarNode(key), out var value))
                read(value);
        }

        public void Done()
        {
            foreach (var keyNode in mapping.Children.Keys)
            {
                var key = YamlValues.KeyName(keyNode, context);
                if (!_known.Contains(key))
                    throw context.Error(keyNode, $"{name}.{key}", $"unknown key; {name} takes {string.Join(", ", _known)}");
            }
        }
    }
}
