using XMonitor.Agent.Configuration;
using XMonitor.Bpf.Probes;
using XMonitor.Bpf.Probes.CpuSched;
using XMonitor.Bpf;
using XMonitor.Bpf.Probes.FsLatency;

namespace XMonitor.Agent.Tests;

/// <summary>Each kind of configuration error gives one message with the file, the line and the key; a valid file gives the options the probes run with.</summary>
public sealed class ConfigLoaderTests
{
    private const string File = "/etc/xmon/agent.yaml";

    [Fact]
    public void A_wrong_type_names_key_line_and_expected_form()
    {
        var e = Fail("""
            listen:
              port: 9435
            cpu_sched:
              enabled: true
              interval: fast
            """);
        Assert.Equal("agent.yaml:5: cpu_sched.interval: expected a duration such as 5s, got 'fast'", e.Message);
        Assert.Equal((5L, "cpu_sched.interval"), (e.Line, e.Key));
    }

    [Fact]
    public void An_unknown_top_level_key_names_the_known_ones()
    {
        var e = Fail("""
            listen:
              port: 9435

            cpu_shed:
              enabled: true
            """);
        Assert.StartsWith("agent.yaml:4: cpu_shed: unknown key; the file takes listen, logging, events, metrics, drop_capabilities, cpu_sched,", e.Message);
    }

    [Fact]
    public void An_unknown_probe_key_names_the_options_of_that_probe()
    {
        var e = Fail("""
            cache_stat:
              interval: 1s
              top_procs: 5
            """);
        Assert.StartsWith("agent.yaml:3: cache_stat.top_procs: unknown key; cache_stat takes enabled, interval, top_processes, filter, attach_strategy", e.Message);
    }

    [Fact]
    public void An_unknown_key_in_an_agent_section_is_rejected()
    {
        var e = Fail("""
            logging:
              level: debug
              colour: true
            """);
        Assert.Equal("agent.yaml:3: logging.colour: unknown key; logging takes level, json", e.Message);
    }

    [Fact]
    public void An_impossible_value_is_reported_by_the_probes_own_validator_at_the_keys_line()
    {
        var e = Fail("""
            cpu_sched:
              enabled: true
              unit: microseconds
              interval: 1ms
            """);
        Assert.StartsWith("agent.yaml:4: cpu_sched.interval: Interval must be between 10 ms and 1 day", e.Message);
    }

    [Fact]
    public void A_strategy_the_probe_has_no_programs_for_is_reported_by_its_validator()
    {
        var e = Fail("""
            fs_latency:
              file_system_type: ext4
              attach_strategy: fentry
            """);
        Assert.StartsWith("agent.yaml:3: fs_latency.attach_strategy: AttachStrategy Fentry hooks the NFS client's functions and cannot watch ext4", e.Message);
    }

    [Theory]
    [InlineData("cache_stat:\n  top_processes: many\n", "agent.yaml:2: cache_stat.top_processes: expected an integer, got 'many'")]
    [InlineData("cache_stat:\n  top_processes: 99999999999\n", "agent.yaml:2: cache_stat.top_processes: expected an integer from -2147483648 to 2147483647, got 99999999999")]
    [InlineData("napi:\n  measure_poll_time: maybe\n", "agent.yaml:2: napi.measure_poll_time: expected true or false, got 'maybe'")]
    [InlineData("cpu_sched:\n  unit: hours\n", "agent.yaml:2: cpu_sched.unit: expected one of microseconds, nanoseconds, count, got 'hours'")]
    [InlineData("cpu_sched:\n  filter: everyone\n", "agent.yaml:2: cpu_sched.filter: expected all, pid:N, pgid:N, pid_namespace:INODE, pid_namespace_of:N, cgroup:PATH or cgroup_id:N, got 'everyone'")]
    [InlineData("listen:\n  address: localhost\n", "agent.yaml:2: listen.address: expected an IP address such as 127.0.0.1 or 0.0.0.0, got 'localhost'")]
    [InlineData("listen:\n  port: 70000\n", "agent.yaml:2: listen.port: expected a port from 0 to 65535, got 70000")]
    [InlineData("metrics:\n  max_process_series: 0\n", "agent.yaml:2: metrics.max_process_series: expected an integer from 1 to 2147483647, got 0")]
    [InlineData("drop_capabilities: sometimes\n", "agent.yaml:1: drop_capabilities: expected true or false, got 'sometimes'")]
    [InlineData("cpu_sched:\n  interval: [1, 2]\n", "agent.yaml:2: cpu_sched.interval: expected a duration such as 5s, got a list")]
    [InlineData("cpu_sched: 5\n", "agent.yaml:1: cpu_sched: expected a mapping of the probe's options (enabled, ...)")]
    public void Each_wrong_value_gives_one_message_with_line_and_key(string yaml, string message)
        => Assert.Equal(message, Fail(yaml).Message);

    [Fact]
    public void Invalid_yaml_is_reported_at_its_line()
    {
        var e = Fail("listen:\n  port: 1\ncpu_sched:\n  interval: [1s\n");
        Assert.StartsWith("agent.yaml:", e.Message);
        Assert.Contains("not valid YAML", e.Message);
        Assert.InRange(e.Line, 4, 5);
    }

    [Fact]
    public void A_key_given_twice_is_reported_at_its_second_line()
    {
        var e = Fail("cpu_sched:\n  interval: 1s\n  interval: 2s\n");
        Assert.StartsWith("agent.yaml:3:", e.Message);
        Assert.Contains("interval", e.Message);
    }

    [Fact]
    public void A_key_that_is_not_a_name_is_rejected()
        => Assert.Equal("agent.yaml:1: expected a key name, got a list", Fail("? [a, b]\n: 1\n").Message);

    [Fact]
    public void A_missing_file_names_the_path()
    {
        var e = Assert.Throws<ConfigException>(() => ConfigLoader.Load("/nonexistent/agent.yaml"));
        Assert.StartsWith("agent.yaml: cannot read the configuration file /nonexistent/agent.yaml", e.Message);
    }

    [Fact]
    public void Values_reach_the_options_classes()
    {
        var config = ConfigLoader.Parse("""
            listen: { address: 0.0.0.0, port: 9500 }
            cpu_sched:
              interval: 1m30s
              off_cpu_threshold: 250ms
              hung_task_threshold: 0
              aggregation: process
              unit: nanoseconds
              filter: pid:1
              attach_strategy: raw_tracepoint
            fs_latency:
              enabled: false
              file_system_type: nfs4
            """, File);
        Assert.Equal(new ListenConfig("0.0.0.0", 9500), config.Listen);
        var cpu = Assert.IsType<CpuSchedOptions>(config.Probe("cpu_sched").Options);
        Assert.True(config.Probe("cpu_sched").Enabled);
        Assert.Equal(TimeSpan.FromSeconds(90), cpu.Interval);
        Assert.Equal(TimeSpan.FromMilliseconds(250), cpu.OffCpuThreshold);
        Assert.Equal(TimeSpan.Zero, cpu.HungTaskThreshold);
        Assert.Equal(CpuSchedAggregation.Process, cpu.Aggregation);
        Assert.Equal(HistogramUnit.Nanoseconds, cpu.Unit);
        Assert.Equal((ProcessFilterKind.Pid, 1UL), (cpu.Filter.Kind, cpu.Filter.Value));
        Assert.Equal(BpfAttachKind.RawTracepoint, cpu.AttachStrategy);
        var fs = config.Probe("fs_latency");
        Assert.False(fs.Enabled);
        Assert.Equal("nfs4", Assert.IsType<FsLatencyOptions>(fs.Options).FileSystemType);
        // Sections the file does not have are off.
        Assert.False(config.Probe("napi").Enabled);
    }

    [Fact]
    public void Only_the_changed_section_changes_its_fingerprint()
    {
        const string before = "cpu_sched:\n  interval: 5s\ncache_stat:\n  interval: 5s\n";
        var a = ConfigLoader.Parse(before, File);
        var b = ConfigLoader.Parse(before.Replace("cpu_sched:\n  interval: 5s", "cpu_sched:\n  interval: 2s", StringComparison.Ordinal), File);
        // The same duration written differently is the same setting.
        var c = ConfigLoader.Parse(before.Replace("cpu_sched:\n  interval: 5s", "cpu_sched:\n  interval: 5000ms", StringComparison.Ordinal), File);
        Assert.NotEqual(a.Probe("cpu_sched").Fingerprint, b.Probe("cpu_sched").Fingerprint);
        Assert.Equal(a.Probe("cache_stat").Fingerprint, b.Probe("cache_stat").Fingerprint);
        Assert.Equal(a.Probe("cpu_sched").Fingerprint, c.Probe("cpu_sched").Fingerprint);
    }

    [Fact]
    public void The_shipped_default_enables_every_probe_on_loopback()
    {
        var config = ConfigLoader.Load(Path.Combine(AgentProcess.Directory, "agent.yaml"));
        Assert.All(config.Probes, p => Assert.True(p.Enabled, p.Name));
        Assert.Equal(7, config.Probes.Count);
        Assert.Equal(new ListenConfig("127.0.0.1", 9435), config.Listen);
        Assert.False(config.DropCapabilities);
        Assert.Null(config.Events.File);
    }

    private static ConfigException Fail(string yaml) => Assert.Throws<ConfigException>(() => ConfigLoader.Parse(yaml, File));
}
