namespace XMonitor.Deployment.Tests;

/// <summary>samples/XMonitor.Agent/deploy/xmonitor-agent.service.</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class SystemdUnitTests
{
    private const string Executable = "/opt/xmonitor-agent/xmon-agent";
    /// <summary>
    /// What the unit's dynamic (non-root) user needs for all seven probes, measured with setpriv as
    /// user nobody: CAP_BPF and CAP_PERFMON, and CAP_DAC_READ_SEARCH for tracefs. Not CAP_SYS_ADMIN
    /// (CO-RE resolves against vmlinux alone) and not CAP_SYS_RESOURCE (LimitMEMLOCK=infinity covers
    /// kernels before 5.11): the agent gets nothing more than that.
    /// </summary>
    private static readonly string[] Capabilities = ["CAP_BPF", "CAP_DAC_READ_SEARCH", "CAP_PERFMON"];

    private static string UnitFile => Path.Combine(Repository.Deploy, "xmonitor-agent.service");

    [Fact]
    public void The_unit_starts_the_agent_with_its_config_and_only_the_capabilities_it_needs()
    {
        var keys = Keys(File.ReadAllLines(UnitFile));
        Assert.Equal($"{Executable} --config /etc/xmonitor/agent.yaml", Assert.Single(keys["Service.ExecStart"]));
        var bounding = Assert.Single(keys["Service.CapabilityBoundingSet"]).Split(' ');
        var ambient = Assert.Single(keys["Service.AmbientCapabilities"]).Split(' ');
        Assert.Equal(Capabilities, bounding.Order());
        // A non-root user gets its capabilities only from the ambient set, which the bounding set caps.
        Assert.Equal(bounding.Order(), ambient.Order());
        Assert.Equal("yes", Assert.Single(keys["Service.NoNewPrivileges"]));
        Assert.Equal("infinity", Assert.Single(keys["Service.LimitMEMLOCK"]));
        Assert.Equal("multi-user.target", Assert.Single(keys["Install.WantedBy"]));
    }

    [Fact]
    public void Systemd_analyze_verify_finds_nothing_to_report()
    {
        const string Analyze = "/usr/bin/systemd-analyze";
        if (!File.Exists(Analyze))
            Assert.Skip($"{Analyze} is missing: only the unit's keys are checked (the other test)");
        // verify also checks that ExecStart's program exists: a stand-in at a path of the test's own.
        var directory = Directory.CreateTempSubdirectory("xmon-unit-").FullName;
        try
        {
            var standIn = Path.Combine(directory, "xmon-agent");
            File.WriteAllText(standIn, "#!/bin/sh\n");
            File.SetUnixFileMode(standIn, UnixFileMode.UserRead | UnixFileMode.UserExecute);
            var unit = Path.Combine(directory, "xmonitor-agent.service");
            File.WriteAllText(unit, File.ReadAllText(UnitFile).Replace(Executable, standIn, StringComparison.Ordinal));

            var (exitCode, output, error) = Command.TryRun(directory, TimeSpan.FromMinutes(1), Analyze, "verify", unit);

            // Unknown keys and bad values are warnings only: any output at all fails the test.
            Assert.True(exitCode == 0 && output.Length == 0 && error.Length == 0, $"systemd-analyze verify: exit {exitCode}\n{output}{error}");
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    /// <summary>"Section.Key" to its values, in order (a key may repeat).</summary>
    private static Dictionary<string, List<string>> Keys(IEnumerable<string> lines)
    {
        var keys = new Dictionary<string, List<string>>();
        var section = "";
        foreach (var raw in lines)
        {
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#'))
                continue;
            if (line.StartsWith('['))
            {
                section = line.Trim('[', ']');
                continue;
            }
            var equals = line.IndexOf('=');
            Assert.True(equals > 0, $"not a key=value line: {line}");
            var key = $"{section}.{line[..equals]}";
            if (!keys.TryGetValue(key, out var values))
                keys[key] = values = [];
            values.Add(line[(equals + 1)..]);
        }
        return keys;
    }
}
