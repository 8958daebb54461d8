using YamlDotNet.RepresentationModel;

namespace XMonitor.Deployment.Tests;

/// <summary>samples/XMonitor.Agent/deploy/kubernetes: the DaemonSet and the ConfigMap it mounts.</summary>
public sealed class KubernetesManifestTests
{
    private static string Manifests => Path.Combine(Repository.Deploy, "kubernetes");

    [Fact]
    public void The_daemonset_runs_one_agent_per_node_with_the_host_pids_capabilities_mounts_and_scrape_annotations()
    {
        var documents = Yaml.Documents(Path.Combine(Manifests, "daemonset.yaml"));
        var daemonSet = Assert.Single(documents, d => d.Scalar("kind") == "DaemonSet");
        Assert.Equal("apps/v1", daemonSet.Scalar("apiVersion"));
        Assert.Equal("xmonitor", daemonSet.Scalar("metadata.namespace"));
        var template = daemonSet.At("spec.template");
        const string NameLabel = "app.kubernetes.io/name";
        Assert.Equal(daemonSet.At("spec.selector.matchLabels").ChildScalar(NameLabel), template.At("metadata.labels").ChildScalar(NameLabel));

        var annotations = template.At("metadata.annotations");
        Assert.Equal("true", annotations.ChildScalar("prometheus.io/scrape"));
        Assert.Equal("9435", annotations.ChildScalar("prometheus.io/port"));
        Assert.Equal("/metrics", annotations.ChildScalar("prometheus.io/path"));

        var pod = template.At("spec");
        Assert.Equal("true", pod.Scalar("hostPID"));
        var container = Assert.Single(pod.Items("containers"));
        Assert.Equal(["--config", "/etc/xmonitor/agent.yaml"], container.Items("args").Select(a => ((YamlScalarNode)a).Value));
        Assert.Contains(container.Items("ports"), p => p.Scalar("containerPort") == "9435");
        foreach (var resource in new[] { "cpu", "memory" })
        {
            Assert.NotEmpty(container.Scalar($"resources.limits.{resource}"));
            Assert.NotEmpty(container.Scalar($"resources.requests.{resource}"));
        }

        // Privileged, or only the capabilities the probes need: as uid 0, which owns tracefs, BPF and
        // PERFMON ran all seven probes here (setpriv with that bounding set); no SYS_ADMIN.
        var security = container.At("securityContext");
        Assert.Equal("0", security.Scalar("runAsUser"));
        if (!security.Has("privileged") || security.Scalar("privileged") != "true")
        {
            Assert.Equal(["ALL"], security.Items("capabilities.drop").Select(c => ((YamlScalarNode)c).Value));
            Assert.Equal(["BPF", "PERFMON"], security.Items("capabilities.add").Select(c => ((YamlScalarNode)c).Value).Order());
        }

        var volumes = pod.Items("volumes").ToDictionary(v => v.Scalar("name"));
        var mounts = container.Items("volumeMounts").ToDictionary(m => m.Scalar("name"), m => m.Scalar("mountPath"));
        foreach (var hostPath in new[] { "/sys/kernel/btf", "/sys/kernel/tracing", "/sys/fs/cgroup", "/proc" })
        {
            var volume = Assert.Single(volumes.Values, v => v.Has("hostPath") && v.Scalar("hostPath.path") == hostPath);
            Assert.True(mounts.ContainsKey(volume.Scalar("name")), $"the host's {hostPath} is a volume but not mounted");
        }
        Assert.Equal("/etc/xmonitor", mounts[Assert.Single(volumes.Values, v => v.Has("configMap")).Scalar("name")]);
        Assert.Equal(ConfigMap().Scalar("metadata.name"), Assert.Single(volumes.Values, v => v.Has("configMap")).Scalar("configMap.name"));
        Assert.Equal("/healthz", container.Scalar("readinessProbe.httpGet.path"));
    }

    [Fact]
    public void The_configmap_holds_an_agent_config_that_binds_every_address_and_enables_every_shipped_section()
    {
        var configMap = ConfigMap();
        Assert.Equal("xmonitor", configMap.Scalar("metadata.namespace"));
        var text = configMap.At("data").ChildScalar("agent.yaml");
        var config = Yaml.Parse(text);
        Assert.Equal("0.0.0.0", config.Scalar("listen.address"));
        Assert.Equal("9435", config.Scalar("listen.port"));

        // The agent's own file (when the repository has it) lists the sections the agent knows: the
        // ConfigMap has each of them, so no probe is left out (a missing section is a disabled probe).
        var shipped = Path.Combine(Repository.Root, "samples/XMonitor.Agent/agent.yaml");
        if (File.Exists(shipped))
        {
            var expected = Yaml.Documents(shipped).Single().Children.Keys.Select(k => ((YamlScalarNode)k).Value).Order();
            Assert.Equal(expected, config.Children.Keys.Select(k => ((YamlScalarNode)k).Value).Order());
            foreach (var (key, value) in config.Children)
            {
                if (value.Has("enabled"))
                    Assert.True(value.Scalar("enabled") == "true", $"{key} is disabled in the ConfigMap");
            }
        }

        if (AgentAssembly.Value is { } agent)
            Assert.Null(AgentAssembly.ConfigError(agent, text, "configmap.yaml:agent.yaml"));
        else
            TestContext.Current.TestOutputHelper?.WriteLine("no agent in this build: the ConfigMap's config was parsed as YAML only");
    }

    private static YamlMappingNode ConfigMap()
    {
        var configMap = Assert.Single(Yaml.Documents(Path.Combine(Manifests, "configmap.yaml")), d => d.Scalar("kind") == "ConfigMap");
        Assert.Equal("v1", configMap.Scalar("apiVersion"));
        return configMap;
    }
}
