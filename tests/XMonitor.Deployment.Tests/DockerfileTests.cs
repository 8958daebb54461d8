namespace XMonitor.Deployment.Tests;

/// <summary>
/// samples/XMonitor.Agent/deploy/Dockerfile, as far as it can be checked without a Docker daemon:
/// what it builds and runs exists, and its edit of the shipped configuration applies.
/// </summary>
public sealed class DockerfileTests
{
    private static readonly string AgentDirectory = Path.Combine(Repository.Root, "samples/XMonitor.Agent");

    [Fact]
    public void The_image_publishes_the_agent_and_starts_it_with_the_config_path_the_daemonset_mounts()
    {
        var dockerfile = File.ReadAllText(Path.Combine(Repository.Deploy, "Dockerfile"));
        // A Native AOT publish (the project's PublishAot; NativeAotAgentTests runs what it makes) onto
        // an image with only the native dependencies of .NET.
        Assert.Contains("RUN dotnet publish samples/XMonitor.Agent/XMonitor.Agent.csproj -c Release --use-current-runtime -o /app", dockerfile, StringComparison.Ordinal);
        Assert.Contains("zlib1g-dev", dockerfile, StringComparison.Ordinal);
        Assert.Contains("FROM mcr.microsoft.com/dotnet/runtime-deps:10.0", dockerfile, StringComparison.Ordinal);
        Assert.Contains("""ENTRYPOINT ["/opt/xmonitor-agent/xmon-agent"]""", dockerfile, StringComparison.Ordinal);
        Assert.Contains("""CMD ["--config", "/etc/xmonitor/agent.yaml"]""", dockerfile, StringComparison.Ordinal);
        Assert.Contains("EXPOSE 9435", dockerfile, StringComparison.Ordinal);

        var project = Path.Combine(AgentDirectory, "XMonitor.Agent.csproj");
        if (!File.Exists(project))
            Assert.Skip("no samples/XMonitor.Agent in this build: only the Dockerfile's own lines were checked");
        Assert.Contains("<AssemblyName>xmon-agent</AssemblyName>", File.ReadAllText(project), StringComparison.Ordinal);
        Assert.Contains("<PublishAot>true</PublishAot>", File.ReadAllText(project), StringComparison.Ordinal);
    }

    [Fact]
    public void The_images_default_config_is_the_shipped_one_listening_on_every_address()
    {
        var shipped = Path.Combine(AgentDirectory, "agent.yaml");
        if (!File.Exists(shipped))
            Assert.Skip("no samples/XMonitor.Agent/agent.yaml in this build");
        // The Dockerfile's sed replaces exactly this line (and its grep fails the image build otherwise).
        const string Loopback = "  address: 127.0.0.1";
        var lines = File.ReadAllLines(shipped);
        Assert.Single(lines, l => l == Loopback);
        var config = Yaml.Parse(string.Join('\n', lines.Select(l => l == Loopback ? "  address: 0.0.0.0" : l)));
        Assert.Equal("0.0.0.0", config.Scalar("listen.address"));
        Assert.Equal("9435", config.Scalar("listen.port"));
    }
}
