using YamlDotNet.RepresentationModel;

namespace XMonitor.Deployment.Tests;

/// <summary>Reads YAML documents and walks them by key, failing the test with the path that is missing.</summary>
internal static class Yaml
{
    /// <summary>Every document of the file, as mappings.</summary>
    public static IReadOnlyList<YamlMappingNode> Documents(string path)
    {
        var stream = new YamlStream();
        using (var reader = new StreamReader(path))
            stream.Load(reader);
        return stream.Documents.Select(d => Assert.IsType<YamlMappingNode>(d.RootNode)).ToArray();
    }

    /// <summary>Parses one document of YAML text as a mapping.</summary>
    public static YamlMappingNode Parse(string text)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(text));
        return Assert.IsType<YamlMappingNode>(Assert.Single(stream.Documents).RootNode);
    }

    /// <summary>The node at a dotted path of mapping keys (<c>spec.template.spec</c>).</summary>
    public static YamlNode At(this YamlNode node, string path)
    {
        foreach (var key in path.Split('.'))
            node = node.Child(key);
        return node;
    }

    /// <summary>The value of <paramref name="key"/>, taken whole (for keys with dots, like <c>prometheus.io/port</c>).</summary>
    public static YamlNode Child(this YamlNode node, string key)
    {
        var mapping = Assert.IsType<YamlMappingNode>(node, exactMatch: false);
        Assert.True(mapping.Children.TryGetValue(new YamlScalarNode(key), out var child), $"no key '{key}' in the mapping at line {node.Start.Line}");
        return child;
    }

    /// <summary>The scalar value of <paramref name="key"/>, taken whole.</summary>
    public static string ChildScalar(this YamlNode node, string key) => Assert.IsType<YamlScalarNode>(node.Child(key)).Value ?? "";

    /// <summary>The scalar at a dotted path.</summary>
    public static string Scalar(this YamlNode node, string path) => Assert.IsType<YamlScalarNode>(node.At(path)).Value ?? "";

    /// <summary>The items of the sequence at a dotted path.</summary>
    public static IReadOnlyList<YamlNode> Items(this YamlNode node, string path) => Assert.IsType<YamlSequenceNode>(node.At(path)).Children.ToArray();

    /// <summary>Whether a mapping has <paramref name="key"/>.</summary>
    public static bool Has(this YamlNode node, string key)
        => node is YamlMappingNode mapping && mapping.Children.ContainsKey(new YamlScalarNode(key));
}
