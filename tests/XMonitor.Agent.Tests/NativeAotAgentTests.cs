using System.Net;
using XMonitor.Deployment.Tests;

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
            Command.Run(Path.GetDirectoryName(project)!, TimeSpan.FromMinutes(10), "dotnet",
                "publish", project, "-c", "Release", "--use-current-runtime", "-o", output, "-nologo", "-v:q", "-m:1");
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
            await agent.WaitForEveryProbeFamilyAsync(TimeSpan.FromSeconds(15));
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
}
