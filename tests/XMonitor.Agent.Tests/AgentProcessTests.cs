using System.Diagnostics;
using System.Net;
using System.Text.Json;
using XMonitor.Bpf;

namespace XMonitor.Agent.Tests;

/// <summary>The agent as operators run it: a child process with a configuration file, observed through HTTP, signals and the kernel.</summary>
[Collection(nameof(AgentProcessCollection))]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class AgentProcessTests
{
    // Loading seven probes' programs passes the verifier several dozen times: slack for a loaded 2-core VM.
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(90);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private const string FastConfig = """
        logging:
          level: information
          json: true
        cpu_sched:
          interval: 1s
          off_cpu_threshold: 1s
        cache_stat:
          interval: 1s
        process_vm:
          interval: 1s
        """;

    [Fact]
    public async Task The_shipped_default_serves_every_probes_metrics_within_two_intervals()
    {
        BpfEnvironment.Require();
        await using var agent = AgentProcess.Start(AgentProcess.DefaultConfig);
        await agent.WaitForHealthyAsync(StartTimeout);
        var started = Stopwatch.StartNew();
        string[] probesUp = ["CpuSched", "CacheStat", "ProcessVm", "OomKill", "BioLatency", "Napi", "FsLatency", "Agent"];
        // The default interval is 5 s; two of them, plus slack for a loaded machine.
        var metrics = await agent.WaitForEveryProbeFamilyAsync(TimeSpan.FromSeconds(2 * 5 + 5));
        Assert.True(started.Elapsed < TimeSpan.FromSeconds(15), $"took {started.Elapsed}");
        foreach (var probe in probesUp)
            Assert.Contains($"xmonitor_probe_up{{probe=\"{probe}\"}} 1", metrics);
        // Every enabled probe runs on this kernel (NFS latency included: with no NFS mount it watches
        // the syscall tracepoints and reports nothing), and says so in the agent's own series.
        var probes = await agent.ProbesAsync();
        foreach (var probe in probes.GetProperty("probes").EnumerateArray())
        {
            var name = probe.GetProperty("name").GetString();
            Assert.True(probe.GetProperty("state").GetString() == "running", $"{name}: {probe}");
            Assert.NotEmpty(probe.GetProperty("programs").EnumerateArray());
            Assert.Contains($"xmonitor_agent_probe_running{{probe=\"{name}\"}} 1", metrics);
        }
        using var health = await agent.Http.GetAsync("/healthz", Ct);
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.StartsWith("ok: 7 probes attached", await health.Content.ReadAsStringAsync(Ct));
    }

    [Fact]
    public async Task A_probe_the_kernel_cannot_run_is_reported_and_the_others_run()
    {
        BpfEnvironment.Require();
        // This VM's kernel has no kprobes: forcing them makes the cache probe unsupported. The kernel
        // matrix's kernels offer every strategy, so there is nothing to force there.
        if (KernelFeatures.IsSupported(KernelFeature.Kprobe))
            Assert.Skip("this kernel has kprobes: no strategy to force that it lacks");
        await using var agent = AgentProcess.Start(FastConfig.Replace("cache_stat:\n  interval: 1s", "cache_stat:\n  interval: 1s\n  attach_strategy: kprobe", StringComparison.Ordinal));
        await agent.WaitForHealthyAsync(StartTimeout);
        var cache = await agent.ProbeAsync("cache_stat");
        Assert.Equal("unsupported", cache.GetProperty("state").GetString());
        Assert.Contains("kprobe", cache.GetProperty("error").GetString());
        Assert.Equal("running", (await agent.ProbeAsync("cpu_sched")).GetProperty("state").GetString());
        Assert.Equal(1, await agent.SampleAsync("xmonitor_agent_probe_unsupported{probe=\"cache_stat\"}"));
        Assert.Equal(1, await agent.SampleAsync("xmonitor_agent_probe_start_failures_total{probe=\"cache_stat\"}"));
        Assert.Equal(1, await agent.SampleAsync("xmonitor_agent_probe_running{probe=\"cpu_sched\"}"));
        var health = await agent.Http.GetStringAsync("/healthz", Ct);
        Assert.Contains("not supported by this kernel: cache_stat", health);
    }

    [Fact]
    public async Task Sighup_restarts_only_the_changed_probe_and_keeps_the_others_data()
    {
        BpfEnvironment.Require();
        await using var agent = AgentProcess.Start(FastConfig);
        await agent.WaitForHealthyAsync(StartTimeout);
        const string accesses = "xmonitor_cachestat_accesses_total";
        await using (new DiskWorkload(AppContext.BaseDirectory))
            await agent.WaitUntilAsync(async () => await agent.SampleAsync(accesses) > 0, TimeSpan.FromSeconds(15), "page cache accesses counted");
        var before = await agent.ProgramIdsAsync();
        var accessesBefore = (await agent.SampleAsync(accesses))!.Value;

        agent.WriteConfig(FastConfig.Replace("cpu_sched:\n  interval: 1s", "cpu_sched:\n  interval: 2s", StringComparison.Ordinal));
        agent.Signal(AgentProcess.SIGHUP);
        await agent.WaitUntilAsync(async () => (await agent.ProbeAsync("cpu_sched")).GetProperty("options").GetProperty("interval").GetString() == "2s",
            TimeSpan.FromSeconds(30), "cpu_sched running with interval 2s");

        var cpu = await agent.ProbeAsync("cpu_sched");
        Assert.Equal("running", cpu.GetProperty("state").GetString());
        Assert.Equal(2, cpu.GetProperty("starts").GetInt32());
        var after = await agent.ProgramIdsAsync();
        Assert.Empty(after["cpu_sched"].Intersect(before["cpu_sched"]));
        // The others kept their programs (same kernel ids), their run count and their cumulative counters.
        foreach (var name in new[] { "cache_stat", "process_vm" })
        {
            Assert.Equal(before[name].Order(), after[name].Order());
            Assert.Equal(1, (await agent.ProbeAsync(name)).GetProperty("starts").GetInt32());
        }
        var accessesAfter = (await agent.SampleAsync(accesses))!.Value;
        Assert.True(accessesAfter >= accessesBefore, $"{accesses} went from {accessesBefore} to {accessesAfter}: it was reset");
        Assert.True(await agent.SampleAsync("xmonitor_agent_config_reloads_total{result=\"applied\"}") >= 1);
        Assert.Equal(1, await agent.SampleAsync("xmonitor_probe_up{probe=\"CpuSched\"}"));
        Assert.Contains("restarted cpu_sched", agent.Output);
    }

    [Fact]
    public async Task Saving_the_file_reloads_it_without_a_signal_and_writes_events_to_the_event_file()
    {
        BpfEnvironment.Require();
        var directory = Directory.CreateTempSubdirectory("xmon-agent-test-").FullName;
        var config = $"events:\n  file: events.jsonl\n{FastConfig.Replace("off_cpu_threshold: 1s", "off_cpu_threshold: 500ms", StringComparison.Ordinal)}";
        await using var agent = AgentProcess.Start(config, directory);
        await agent.WaitForHealthyAsync(StartTimeout);
        var before = await agent.ProgramIdsAsync();

        agent.WriteConfig(config.Replace("cache_stat:\n  interval: 1s", "cache_stat:\n  interval: 3s", StringComparison.Ordinal));
        await agent.WaitUntilAsync(async () => (await agent.ProbeAsync("cache_stat")).GetProperty("options").GetProperty("interval").GetString() == "3s",
            TimeSpan.FromSeconds(30), "cache_stat running with interval 3s after the file was saved");
        var after = await agent.ProgramIdsAsync();
        Assert.Equal(before["cpu_sched"].Order(), after["cpu_sched"].Order());
        Assert.Empty(after["cache_stat"].Intersect(before["cache_stat"]));

        // Off-CPU events of threads that slept over 500 ms arrive within seconds on any machine (this sleep is one).
        using var sleeper = Process.Start("sleep", "0.8")!;
        await sleeper.WaitForExitAsync(Ct);
        var file = Path.Combine(directory, "events.jsonl");
        await agent.WaitUntilAsync(() => Task.FromResult(File.Exists(file) && ReadShared(file).Contains($"\"process_id\":{sleeper.Id},", StringComparison.Ordinal)),
            TimeSpan.FromSeconds(20), "the sleep's off-CPU event in the event file");
        // One JSON object per line, each with its type and probe.
        foreach (var line in ReadShared(file).Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var e = JsonDocument.Parse(line).RootElement;
            Assert.Contains(e.GetProperty("type").GetString(), new[] { "off_cpu", "hung_task", "vm_allocation" });
            Assert.NotNull(e.GetProperty("probe").GetString());
        }
    }

    [Fact]
    public async Task A_ConfigMap_style_symlink_swap_reloads_the_file()
    {
        BpfEnvironment.Require();
        var directory = Directory.CreateTempSubdirectory("xmon-agent-test-").FullName;
        await using var agent = AgentProcess.Start(FastConfig, directory);
        await agent.WaitForHealthyAsync(StartTimeout);
        // The layout of a Kubernetes ConfigMap volume: agent.yaml -> ..data/agent.yaml, ..data -> ..v1.
        var text = File.ReadAllText(agent.ConfigFile);
        Publish(directory, "..v1", text);
        File.Delete(agent.ConfigFile);
        File.CreateSymbolicLink(agent.ConfigFile, "..data/agent.yaml");
        // That replacement of agent.yaml is itself seen and reloaded (nothing changed): let it pass,
        // so that only the swap of ..data can bring the new interval.
        await agent.WaitUntilAsync(async () => await agent.SampleAsync("xmonitor_agent_config_reloads_total{result=\"applied\"}") >= 1,
            TimeSpan.FromSeconds(30), "the reload of the replaced agent.yaml");
        await Task.Delay(1000, Ct);

        // The kubelet's update: a new version directory, then ..data swapped to it by rename.
        Publish(directory, "..v2", text.Replace("cpu_sched:\n  interval: 1s", "cpu_sched:\n  interval: 2s", StringComparison.Ordinal));
        await agent.WaitUntilAsync(async () => (await agent.ProbeAsync("cpu_sched")).GetProperty("options").GetProperty("interval").GetString() == "2s",
            TimeSpan.FromSeconds(30), "cpu_sched running with interval 2s after ..data was swapped");
    }

    /// <summary>Writes <paramref name="version"/>/agent.yaml and points ..data at it with an atomic rename, as the kubelet does.</summary>
    private static void Publish(string directory, string version, string text)
    {
        Directory.CreateDirectory(Path.Combine(directory, version));
        File.WriteAllText(Path.Combine(directory, version, "agent.yaml"), text);
        var link = Path.Combine(directory, "..data_tmp");
        File.CreateSymbolicLink(link, version);
        Posix.Rename(link, Path.Combine(directory, "..data"));
    }

    [Fact]
    public async Task A_bad_reload_is_rejected_and_the_running_configuration_stays()
    {
        BpfEnvironment.Require();
        await using var agent = AgentProcess.Start(FastConfig);
        await agent.WaitForHealthyAsync(StartTimeout);
        var before = await agent.ProgramIdsAsync();

        agent.WriteConfig(FastConfig.Replace("cpu_sched:\n  interval: 1s", "cpu_sched:\n  interval: fast", StringComparison.Ordinal));
        agent.Signal(AgentProcess.SIGHUP);
        await agent.WaitUntilAsync(async () => await agent.SampleAsync("xmonitor_agent_config_reloads_total{result=\"rejected\"}") >= 1,
            TimeSpan.FromSeconds(30), "the reload rejected");

        Assert.Contains("agent.yaml:8: cpu_sched.interval: expected a duration such as 5s, got 'fast'", agent.Output);
        Assert.Equal(before, await agent.ProgramIdsAsync(), new ProgramIdComparer());
        var cpu = await agent.ProbeAsync("cpu_sched");
        Assert.Equal("1s", cpu.GetProperty("options").GetProperty("interval").GetString());
        Assert.Equal(1, cpu.GetProperty("starts").GetInt32());
        using var health = await agent.Http.GetAsync("/healthz", Ct);
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.False(agent.HasExited);
    }

    [Fact]
    public async Task Sigterm_stops_within_seconds_and_leaves_none_of_its_programs_loaded()
    {
        BpfEnvironment.Require();
        await using var agent = AgentProcess.Start(AgentProcess.DefaultConfig);
        await agent.WaitForHealthyAsync(StartTimeout);
        var ids = (await agent.ProgramIdsAsync()).SelectMany(p => p.Value).ToArray();
        Assert.True(ids.Length >= 40, $"only {ids.Length} programs listed");
        Assert.All(ids.Take(3), id => Assert.True(ProgramExists(id), $"program {id} should be loaded while the agent runs"));
        // An open /events stream must not hold the shutdown up.
        using var events = await agent.Http.GetAsync("/events", HttpCompletionOption.ResponseHeadersRead, Ct);

        var stopping = Stopwatch.StartNew();
        agent.Signal(AgentProcess.SIGTERM);
        Assert.True(await agent.WaitForExitAsync(TimeSpan.FromSeconds(10)), $"still running 10 s after SIGTERM:\n{agent.Output}");
        // XMONITOR_TIME_SCALE: the kernel matrix's emulated CPUs are slower (5.1 s seen there with
        // fentry, whose detach waits for RCU-tasks grace periods); 1 on real hardware.
        var scale = double.TryParse(Environment.GetEnvironmentVariable("XMONITOR_TIME_SCALE"), System.Globalization.CultureInfo.InvariantCulture, out var s) ? s : 1;
        Assert.True(stopping.Elapsed < TimeSpan.FromSeconds(5 * scale), $"stopping took {stopping.Elapsed}");
        Assert.Equal(0, agent.ExitCode);
        // The kernel frees a program after an RCU grace period once its last fd is closed, so the
        // last ones can outlive the process by a few milliseconds (more on a loaded machine).
        var left = ids;
        var freeing = Stopwatch.StartNew();
        do
        {
            left = [.. left.Where(ProgramExists)];
            if (left.Length > 0)
                await Task.Delay(100, Ct);
        }
        while (left.Length > 0 && freeing.Elapsed < TimeSpan.FromSeconds(5));
        Assert.True(left.Length == 0, $"programs still loaded 5 s after exit: {string.Join(", ", left)}");
    }

    [Fact]
    public async Task Events_streams_an_off_cpu_event_of_a_process_that_slept_past_the_threshold()
    {
        BpfEnvironment.Require();
        await using var agent = AgentProcess.Start("cpu_sched:\n  interval: 1s\n  off_cpu_threshold: 500ms\n");
        await agent.WaitForHealthyAsync(StartTimeout);
        using var request = new HttpRequestMessage(HttpMethod.Get, "/events");
        using var response = await agent.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, Ct);
        Assert.Equal("application/x-ndjson", response.Content.Headers.ContentType?.MediaType);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(Ct));

        using var sleeper = Process.Start("sleep", "0.8")!;
        var pid = sleeper.Id;
        await sleeper.WaitForExitAsync(Ct);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        while (true)
        {
            var line = await reader.ReadLineAsync(timeout.Token) ?? throw new InvalidOperationException("/events ended");
            var e = JsonDocument.Parse(line).RootElement;
            if (e.GetProperty("type").GetString() != "off_cpu" || e.GetProperty("data").GetProperty("process_id").GetInt32() != pid)
                continue;
            Assert.Equal("cpu_sched", e.GetProperty("probe").GetString());
            Assert.Equal("sleep", e.GetProperty("data").GetProperty("command").GetString());
            // It slept 800 ms; the threshold is 500 ms; scheduling adds, never subtracts.
            var seconds = e.GetProperty("data").GetProperty("duration_nanoseconds").GetUInt64() / 1e9;
            Assert.InRange(seconds, 0.75, 5);
            break;
        }
        // The same stream as server-sent events when asked for.
        using var sseRequest = new HttpRequestMessage(HttpMethod.Get, "/events");
        sseRequest.Headers.Accept.ParseAdd("text/event-stream");
        using var sse = await agent.Http.SendAsync(sseRequest, HttpCompletionOption.ResponseHeadersRead, Ct);
        Assert.Equal("text/event-stream", sse.Content.Headers.ContentType?.MediaType);
        using var sseReader = new StreamReader(await sse.Content.ReadAsStreamAsync(Ct));
        using var sleeper2 = Process.Start("sleep", "0.8")!;
        var first = await sseReader.ReadLineAsync(timeout.Token);
        Assert.StartsWith("data: {\"type\":", first);
    }

    [Fact]
    public async Task Dropping_capabilities_empties_the_main_threads_set_and_refuses_restarts()
    {
        BpfEnvironment.Require();
        var config = "drop_capabilities: true\n" + FastConfig;
        await using var agent = AgentProcess.Start(config);
        await agent.WaitForHealthyAsync(StartTimeout);
        await agent.WaitUntilAsync(async () => (await agent.ProbesAsync()).GetProperty("capabilities_dropped").GetBoolean(), TimeSpan.FromSeconds(10), "capabilities dropped");
        var capEff = File.ReadLines($"/proc/{agent.Pid}/status").Single(l => l.StartsWith("CapEff:", StringComparison.Ordinal));
        Assert.Equal("0000000000000000", capEff["CapEff:".Length..].Trim());
        // capset reaches one thread; the seccomp filter that denies loading and attaching reaches all of them.
        foreach (var task in Directory.EnumerateDirectories($"/proc/{agent.Pid}/task"))
        {
            var status = File.ReadAllLines(Path.Combine(task, "status"));
            Assert.Contains("Seccomp:\t2", status);
            Assert.Contains("NoNewPrivs:\t1", status);
        }

        agent.WriteConfig(config.Replace("cpu_sched:\n  interval: 1s", "cpu_sched:\n  interval: 2s", StringComparison.Ordinal));
        agent.Signal(AgentProcess.SIGHUP);
        await agent.WaitUntilAsync(async () => await agent.SampleAsync("xmonitor_agent_config_reloads_total{result=\"refused\"}") >= 1,
            TimeSpan.FromSeconds(30), "the reload refused");
        Assert.Contains("the change of cpu_sched needs a probe restart, but the agent dropped its capabilities", agent.Output);
        Assert.Equal("1s", (await agent.ProbeAsync("cpu_sched")).GetProperty("options").GetProperty("interval").GetString());
        // The probes attached before the drop keep working.
        using var health = await agent.Http.GetAsync("/healthz", Ct);
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
    }

    [Fact]
    public async Task A_config_error_stops_start_up_with_one_message()
    {
        await using var agent = AgentProcess.Start("cpu_sched:\n  interval: fast\n");
        Assert.True(await agent.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal(2, agent.ExitCode);
        Assert.Equal("xmon-agent: agent.yaml:5: cpu_sched.interval: expected a duration such as 5s, got 'fast'", agent.Output.Trim());
    }

    [Fact]
    public async Task Missing_capabilities_stop_start_up_naming_them()
    {
        BpfEnvironment.Require();
        // Root without a bounding set: exec leaves the agent no capability at all.
        await using var agent = AgentProcess.Start("cpu_sched: {}\n", launcher: ["setpriv", "--bounding-set=-all", "--inh-caps=-all"]);
        Assert.True(await agent.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal(3, agent.ExitCode);
        Assert.StartsWith("xmon-agent: missing capabilities CAP_BPF, CAP_PERFMON: run as root", agent.Output.Trim());
    }

    [Fact]
    public async Task Every_probe_runs_with_the_capabilities_the_deployment_files_grant_and_without_CAP_SYS_ADMIN()
    {
        BpfEnvironment.Require();
        // The DaemonSet: uid 0 with BPF and PERFMON. The systemd unit: a non-root user with those and
        // DAC_READ_SEARCH for tracefs, as ambient capabilities.
        const string RootCaps = "-all,+bpf,+perfmon";
        const string UserCaps = "-all,+bpf,+perfmon,+dac_read_search";
        string[] rootLauncher = ["setpriv", $"--bounding-set={RootCaps}", "--inh-caps=-all"];
        const string Paranoid = "/proc/sys/kernel/perf_event_paranoid";
        var paranoid = File.ReadAllText(Paranoid).Trim();
        if (int.Parse(paranoid, System.Globalization.CultureInfo.InvariantCulture) > 2)
        {
            // Debian's and Ubuntu's kernels default to 3, which leaves perf events (tp/, kprobes) to
            // CAP_SYS_ADMIN: the probes that only have such strategies there must say so, and the
            // deployment's sysctl (deploy/README.md) makes every probe run.
            await using (var refused = AgentProcess.Start(AgentProcess.DefaultConfig, ReadableDirectory(), rootLauncher))
            {
                await refused.WaitForHttpAsync(StartTimeout);
                // fs_latency starts last (/probes lists the probes only once the manager has them).
                await refused.WaitUntilAsync(async () => (await refused.ProbesAsync()).GetProperty("probes").EnumerateArray()
                    .Any(p => p.GetProperty("name").GetString() == "fs_latency" && p.GetProperty("state").GetString() is "running" or "failed"),
                    StartTimeout, "every probe started or failed");
                var failed = (await refused.ProbesAsync()).GetProperty("probes").EnumerateArray().Where(p => p.GetProperty("state").GetString() == "failed").ToList();
                Assert.NotEmpty(failed);
                Assert.All(failed, p => Assert.Contains("kernel.perf_event_paranoid is " + paranoid, p.GetProperty("error").GetString(), StringComparison.Ordinal));
            }
            File.WriteAllText(Paranoid, "2\n");
        }
        try
        {
            await AssertEveryProbeRunsAsync(rootLauncher, (1UL << 38) | (1UL << 39));
            await AssertEveryProbeRunsAsync(
                ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", $"--bounding-set={UserCaps}", $"--inh-caps={UserCaps}", $"--ambient-caps={UserCaps}"],
                (1UL << 2) | (1UL << 38) | (1UL << 39));
        }
        finally
        {
            File.WriteAllText(Paranoid, paranoid + "\n");
        }
    }

    private static async Task AssertEveryProbeRunsAsync(IReadOnlyList<string> launcher, ulong expectedCapabilities)
    {
        await using var agent = AgentProcess.Start(AgentProcess.DefaultConfig, ReadableDirectory(), launcher);
        await agent.WaitForHealthyAsync(StartTimeout);
        Assert.Equal("ok: 7 probes attached", (await agent.Http.GetStringAsync("/healthz")).Trim());
        Assert.Equal(expectedCapabilities, EffectiveCapabilities(agent.Pid));
    }

    [Fact]
    public async Task A_non_root_agent_without_CAP_DAC_READ_SEARCH_says_tracefs_is_unreadable_not_unmounted()
    {
        BpfEnvironment.Require();
        const string Caps = "-all,+bpf,+perfmon";
        await using var agent = AgentProcess.Start("process_vm: {}\n", ReadableDirectory(),
            ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", $"--bounding-set={Caps}", $"--inh-caps={Caps}", $"--ambient-caps={Caps}"]);
        await agent.WaitForHttpAsync(StartTimeout);
        await agent.WaitUntilAsync(async () => (await agent.ProbeAsync("process_vm")).GetProperty("state").GetString() == "failed",
            StartTimeout, "process_vm failed");
        Assert.Contains("tracefs is mounted at /sys/kernel/tracing but this process may not read it (permission denied): run as root or grant CAP_DAC_READ_SEARCH",
            (await agent.ProbeAsync("process_vm")).GetProperty("error").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_statistics_without_CAP_SYS_ADMIN_stop_start_up_naming_it()
    {
        BpfEnvironment.Require();
        await using var agent = AgentProcess.Start("metrics:\n  enable_run_statistics: true\ncpu_sched: {}\n",
            launcher: ["setpriv", "--bounding-set=-all,+bpf,+perfmon", "--inh-caps=-all"]);
        Assert.True(await agent.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal(3, agent.ExitCode);
        Assert.StartsWith("xmon-agent: agent.yaml: metrics.enable_run_statistics needs CAP_SYS_ADMIN", agent.Output.Trim());
    }

    /// <summary>A configuration directory user nobody can read (a temporary directory is its creator's only).</summary>
    private static string ReadableDirectory()
    {
        var directory = Directory.CreateTempSubdirectory("xmon-agent-test-").FullName;
        File.SetUnixFileMode(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
            | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        return directory;
    }

    private static ulong EffectiveCapabilities(int pid)
    {
        var line = File.ReadLines($"/proc/{pid}/status").Single(l => l.StartsWith("CapEff:", StringComparison.Ordinal));
        return ulong.Parse(line.AsSpan("CapEff:".Length).Trim(), System.Globalization.NumberStyles.HexNumber, System.Globalization.CultureInfo.InvariantCulture);
    }

    private static string ReadShared(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        return new StreamReader(stream).ReadToEnd();
    }

    private static bool ProgramExists(uint id)
    {
        using var bpftool = Process.Start(new ProcessStartInfo("bpftool", ["prog", "show", "id", id.ToString(System.Globalization.CultureInfo.InvariantCulture)])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        bpftool.WaitForExit();
        return bpftool.ExitCode == 0;
    }

    private sealed class ProgramIdComparer : IEqualityComparer<IReadOnlyDictionary<string, uint[]>>
    {
        public bool Equals(IReadOnlyDictionary<string, uint[]>? x, IReadOnlyDictionary<string, uint[]>? y)
            => x!.Count == y!.Count && x.All(p => y.TryGetValue(p.Key, out var v) && p.Value.Order().SequenceEqual(v.Order()));

        public int GetHashCode(IReadOnlyDictionary<string, uint[]> obj) => obj.Count;
    }
}
