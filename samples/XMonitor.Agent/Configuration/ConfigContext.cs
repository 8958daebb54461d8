using YamlDotNet.RepresentationModel;

namespace XMonitor.Agent.Configuration;

/// <summary>The file being read, so that every error can name it and the line of the node at fault.</summary>
internal sealed class ConfigContext(string file)
{
    /// <summary>The configuration file's path.</summary>
    public string File { get; } = file;

    /// <summary>An error at <paramref name="node"/>'s line.</summary>
    public ConfigException Error(YamlNode node, string key, string problem) => new(File, node.Start.Line, key, problem);
}
