using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;

namespace XMonitor.Agent.Tests;

/// <summary>
/// The real agent as a child process (<c>dotnet xmon-agent.dll --config FILE</c> from its build
/// output), on a free loopback port, with its output kept for assertions.
/// </summary>
internal sealed partial class AgentProcess : IAsyncDisposable
{
    public const int SIGHUP = 1;
    public const int SIGKILL = 9;
    public const int SIGTERM = 15;

    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private AgentProcess(string configFile, int port, IReadOnlyList<string> launcher, string? executable)
    {
        ConfigFile = configFile;
        Port = port;
        Http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(30) };
        // The build output's xmon-agent.dll under dotnet, or a published agent executable (such as
        // the Native AOT one): the one given, or the one XMONITOR_AGENT_EXECUTABLE names.
        executable ??= Executable;
        string[] agent = executable is not null ? [executable] : ["dotnet", Path.Combine(Directory, "xmon-agent.dll")];
        var start = new ProcessStartInfo(launcher.Count > 0 ? launcher[0] : agent[0]) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in launcher.Count > 0 ? [.. launcher.Skip(1), .. agent] : agent.Skip(1))
            start.ArgumentList.Add(argument);
        start.ArgumentList.Add("--config");
        start.ArgumentList.Add(configFile);
        _process = new Process { StartInfo = start };
        _process.OutputDataReceived += (_, e) => Append(e.Data);
        _process.ErrorDataReceived += (_, e) => Append(e.Data);
        _process.Start();
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    /// <summary>The agent's build output (xmon-agent.dll and the shipped agent.yaml).</summary>
    public static string Directory { get; } = typeof(AgentProcess).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "AgentDirectory").Value!;

    /// <summary>The agent executable to run instead of the build output's, from XMONITOR_AGENT_EXECUTABLE; null when unset.</summary>
    public static string? Executable { get; } = Environment.GetEnvironmentVariable("XMONITOR_AGENT_EXECUTABLE") is { Length: > 0 } path ? Path.GetFullPath(path) : null;

    /// <summary>The shipped default configuration.</summary>
    public static string DefaultConfig => File.ReadAllText(Path.Combine(Directory, "agent.yaml"));

    public string ConfigFile { get; }

    public int Port { get; }

    public HttpClient Http { get; }

    public int Pid => _process.Id;

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    /// <summary>Everything the agent wrote to stdout and stderr so far.</summary>
    public string Output
    {
        get
        {
            lock (_output)
                return _output.ToString();
        }
    }

    /// <summary>
    /// Starts the agent with <paramref name="yaml"/> as its configuration, listening on a free port
    /// (any <c>port:</c> line is replaced), under <paramref name="launcher"/> (such as setpriv and its arguments) when given,
    /// as <paramref name="executable"/> when given.
    /// </summary>
    public static AgentProcess Start(string yaml, string? directory = null, IReadOnlyList<string>? launcher = null, string? executable = null)
    {
        var port = FreePort();
        directory ??= System.IO.Directory.CreateTempSubdirectory("xmon-agent-test-").FullName;
        var file = Path.Combine(directory, "agent.yaml");
        File.WriteAllText(file, WithPort(yaml, port));
        return new AgentProcess(file, port, launcher ?? [], executable);
    }

    /// <summary>Puts <paramref name="port"/> into the <c>listen</c> section of <paramref name="yaml"/>.</summary>
    public static string WithPort(string yaml, int port)
    {
        if (yaml.Contains("\n  port: ", StringComparison.Ordinal))
            return System.Text.RegularExpressions.Regex.Replace(yaml, @"\n  port: \d+", $"\n  port: {port}");
        return $"listen:\n  address: 127.0.0.1\n  port: {port}\n" + yaml;
    }

    /// <summary>Rewrites the configuration file (keeping this agent's port).</summary>
    public void WriteConfig(string yaml) => File.WriteAllText(ConfigFile, WithPort(yaml, Port));

    /// <summary>Waits until /healthz answers (any status), or fails with the agent's output.</summary>
    public async Task WaitForHttpAsync(TimeSpan timeout)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < timeout)
        {
            if (_process.HasExited)
                Assert.Fail($"the agent exited with {_process.ExitCode} before serving:\n{Output}");
            try
            {
                using var response = await Http.GetAsync("/healthz");
                return;
            }
            catch (HttpRequestException)
            {
                await Task.Delay(100);
            }
        }
        Assert.Fail($"the agent did not serve HTTP within {timeout}:\n{Output}");
    }

    /// <summary>Waits until /healthz says 200, or fails with what it said last.</summary>
    public async Task WaitForHealthyAsync(TimeSpan timeout)
    {
        await WaitForHttpAsync(timeout);
        var last = "";
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < timeout)
        {
            using var response = await Http.GetAsync("/healthz");
            last = $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}";
            if (response.StatusCode == HttpStatusCode.OK)
                return;
            await Task.Delay(200);
        }
        Assert.Fail($"/healthz did not become 200 within {timeout}; last: {last}\n{Output}");
    }

    /// <summary>/probes, parsed.</summary>
    public async Task<JsonElement> ProbesAsync()
    {
        var json = await Http.GetStringAsync("/probes");
        return JsonDocument.Parse(json).RootElement.Clone();
    }

    /// <summary>The entry of <paramref name="name"/> in /probes.</summary>
    public async Task<JsonElement> ProbeAsync(string name)
        => (await ProbesAsync()).GetProperty("probes").EnumerateArray().Single(p => p.GetProperty("name").GetString() == name);

    /// <summary>The program ids of every probe in /probes.</summary>
    public async Task<IReadOnlyDictionary<string, uint[]>> ProgramIdsAsync()
        => (await ProbesAsync()).GetProperty("probes").EnumerateArray().ToDictionary(
            p => p.GetProperty("name").GetString()!,
            p => p.GetProperty("programs").EnumerateArray().Select(x => x.GetProperty("id").GetUInt32()).ToArray());

    /// <summary>The value of the one sample of /metrics whose line starts with <paramref name="series"/> (name and labels); null when absent.</summary>
    public async Task<double?> SampleAsync(string series)
    {
        var text = await Http.GetStringAsync("/metrics");
        var line = text.Split('\n').FirstOrDefault(l => l.StartsWith(series + " ", StringComparison.Ordinal));
        return line is null ? null : double.Parse(line[(series.Length + 1)..].Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// A family of each probe that has samples on any running machine once the test makes disk and
    /// memory work (NAPI and OOM kills may have none: their adapters show through xmonitor_probe_up).
    /// </summary>
    public static readonly string[] EveryProbeFamilies =
    [
        "xmonitor_cpu_runqueue_latency_seconds_bucket", "xmonitor_cachestat_accesses_total", "xmonitor_process_private_anon_bytes",
        "xmonitor_bio_request_latency_seconds_bucket", "xmonitor_fs_operation_latency_seconds_bucket",
    ];

    /// <summary>
    /// Polls /metrics until it has every one of <see cref="EveryProbeFamilies"/>, or fails naming the
    /// missing ones; returns the last scrape. The disk and file-system families need I/O on the root
    /// disk's ext4 during the wait, which an idle CI machine may not do for many seconds, so a
    /// <see cref="DiskWorkload"/> makes it in /var/tmp (on the root disk here; on the kernel matrix's
    /// ext4 scratch disk in its guests, whose build output is on 9p).
    /// </summary>
    public async Task<string> WaitForEveryProbeFamilyAsync(TimeSpan timeout)
    {
        var metrics = "";
        string[] missing = EveryProbeFamilies;
        await using (new DiskWorkload("/var/tmp"))
        {
            await WaitUntilAsync(async () =>
            {
                metrics = await Http.GetStringAsync("/metrics");
                missing = [.. EveryProbeFamilies.Where(f => !metrics.Contains("\n" + f, StringComparison.Ordinal))];
                return missing.Length == 0;
            }, timeout, () => $"every family in /metrics (missing: {string.Join(", ", missing)})");
        }
        return metrics;
    }

    /// <summary>Polls until <paramref name="condition"/> holds, or fails with <paramref name="what"/> and the agent's output.</summary>
    public Task WaitUntilAsync(Func<Task<bool>> condition, TimeSpan timeout, string what)
        => WaitUntilAsync(condition, timeout, () => what);

    /// <summary>Polls until <paramref name="condition"/> holds, or fails with <paramref name="what"/> (evaluated then) and the agent's output.</summary>
    public async Task WaitUntilAsync(Func<Task<bool>> condition, TimeSpan timeout, Func<string> what)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < timeout)
        {
            if (await condition())
                return;
            await Task.Delay(200);
        }
        Assert.Fail($"{what()} did not happen within {timeout}:\n{Output}");
    }

    public void Signal(int signal)
    {
        if (Kill(_process.Id, signal) != 0)
            throw new InvalidOperationException($"kill({_process.Id}, {signal}) failed: {Marshal.GetLastPInvokeError()}");
    }

    /// <summary>Waits for the exit; false when it did not happen within <paramref name="timeout"/>.</summary>
    public async Task<bool> WaitForExitAsync(TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cancel.Token);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>Stops the agent (SIGTERM, then SIGKILL after 10 s) and removes its directory.</summary>
    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            Signal(SIGTERM);
            if (!await WaitForExitAsync(TimeSpan.FromSeconds(10)))
                Signal(SIGKILL);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
        Http.Dispose();
        try
        {
            System.IO.Directory.Delete(Path.GetDirectoryName(ConfigFile)!, recursive: true);
        }
        catch (IOException)
        {
            // A temp directory left behind is harmless.
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private void Append(string? line)
    {
        if (line is null)
            return;
        lock (_output)
            _output.AppendLine(line);
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
