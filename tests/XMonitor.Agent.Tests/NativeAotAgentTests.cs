using System.Diagnostics;
using System.Net;

namespace XMonitor.Agent.Tests;

/// <summary>
/// The agent as deploy/ ships it: `dotnet publish` of the project makes a Native AOT executable
/// (no JIT, no runtime), which must do what the JIT-compiled agent does. The whole suite can also
/// run against it: XMONITOR_AGENT_EXECUTABLE=path/to/xmon-agent dotnet test tests/XMonitor.Agent.Tests.
/// </summary>
[Collection(nameof(AgentProcessCollection))]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class NativeAotAgentTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_published_native_agent_attaches_every_probe_serves_them_and_stops_cleanly()
    {
        BpfEnvironment.Require();
        var output = Directory.CreateTempSubdirectory("xmon-agent-aot-").FullName;
        try
        {
            var project = Path.GetFullPath(Path.Combine(AgentProcess.Directory, "../../../XMonitor.Agent.csproj"));
            Publish(project, output);
            var executable = Path.Combine(output, "xmon-agent");
            // Native code, not an app host beside an IL assembly.
            var magic = new byte[4];
            using (var file = File.OpenRead(executable))
                file.ReadExactly(magic);
            Assert.Equal([0x7f, (byte)'E', (byte)'L', (byte)'F'], magic);
            Assert.False(File.Exists(Path.Combine(output, "xmon-agent.dll")), "the publish left an IL assembly: it is not Native AOT");

            await using var agent = AgentProcess.Start(AgentProcess.DefaultConfig, executable: executable);
            await agent.WaitForHealthyAsync(TimeSpan.FromSeconds(90));
            Assert.StartsWith("ok: 7 probes attached", await agent.Http.GetStringAsync("/healthz", Ct));
            foreach (var probe in (await agent.ProbesAsync()).GetProperty("probes").EnumerateArray())
            {
                Assert.Equal("running", probe.GetProperty("state").GetString());
                Assert.NotEmpty(probe.GetProperty("programs").EnumerateArray());
            }
            string[] families =
            [
                "xmonitor_cpu_runqueue_latency_seconds_bucket", "xmonitor_cachestat_accesses_total", "xmonitor_process_private_anon_bytes",
                "xmonitor_bio_request_latency_seconds_bucket", "xmonitor_fs_operation_latency_seconds_bucket",
            ];
            var metrics = "";
            await using (new DiskWorkload(AppContext.BaseDirectory))
            {
                await agent.WaitUntilAsync(async () =>
                {
                    metrics = await agent.Http.GetStringAsync("/metrics", Ct);
                    return families.All(f => metrics.Contains("\n" + f, StringComparison.Ordinal));
                }, TimeSpan.FromSeconds(15), () => $"every family in /metrics (missing: {string.Join(", ", families.Where(f => !metrics.Contains("\n" + f, StringComparison.Ordinal)))})");
            }
            using (var events = await agent.Http.GetAsync("/events", HttpCompletionOption.ResponseHeadersRead, Ct))
                Assert.Equal(HttpStatusCode.OK, events.StatusCode);

            agent.Signal(AgentProcess.SIGTERM);
            Assert.True(await agent.WaitForExitAsync(TimeSpan.FromSeconds(10)), $"still running 10 s after SIGTERM:\n{agent.Output}");
            Assert.Equal(0, agent.ExitCode);
        }
        finally
        {
            Directory.Delete(output, recursive: true);
        }
    }

    private static void Publish(string project, string output)
    {
        var start = new ProcessStartInfo("dotnet", ["publish", project, "-c", "Release", "--use-current-runtime", "-o", output, "-nologo", "-v:q", "-m:1"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        // MSBuild nodes kept for reuse would hold the output pipes open after the publish ends.
        start.Environment["MSBUILDDISABLENODEREUSE"] = "1";
        using var publish = Process.Start(start)!;
        var stdout = publish.StandardOutput.ReadToEndAsync(Ct);
        var stderr = publish.StandardError.ReadToEndAsync(Ct);
        if (!publish.WaitForExit(TimeSpan.FromMinutes(10)))
        {
            publish.Kill(entireProcessTree: true);
            Assert.Fail("dotnet publish (Native AOT) did not finish within 10 minutes");
        }
        Assert.True(publish.ExitCode == 0, $"dotnet publish (Native AOT) exited with {publish.ExitCode}:\n{stdout.Result}\n{stderr.Result}");
    }
}
