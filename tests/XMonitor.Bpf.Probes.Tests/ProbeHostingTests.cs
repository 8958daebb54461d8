using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using XMonitor.Bpf.Probes.CpuSched;
using XMonitor.Bpf.Probes.OomKill;

namespace XMonitor.Bpf.Probes.Tests;

/// <summary>
/// Probes in a host: one that cannot start leaves the host and the other probes running and the
/// health check names it and why; <see cref="ProbeHostingOptions.FailFast"/> stops the host instead.
/// The start failure is the kernel refusing the only strategy allowed (the test seam
/// <see cref="BpfAttachRefusal"/>, as a verifier or a missing privilege would), so it happens on any kernel.
/// </summary>
public sealed class ProbeHostingTests
{
    [Fact]
    public async Task AProbeThatCannotStartLeavesTheHostRunningAndTheHealthCheckNamesIt()
    {
        BpfEnvironment.Require();
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddCpuSchedProbe(o => o.AttachStrategy = BpfAttachKind.RawTracepoint);
        builder.Services.AddOomKillProbe();
        builder.Services.AddHealthChecks().AddProbes();
        using var host = builder.Build();
        var cpuSched = host.Services.GetRequiredService<CpuSchedProbe>();
        var oomKill = host.Services.GetRequiredService<OomKillProbe>();
        Assert.Equal([cpuSched, oomKill], host.Services.GetServices<Probe>());
        Assert.Equal(ProbeState.NotStarted, cpuSched.State);

        BpfAttachRefusal.ForTests.Value = "raw_tp";
        try
        {
            await host.StartAsync(TestContext.Current.CancellationToken);
        }
        finally
        {
            BpfAttachRefusal.ForTests.Value = null;
        }

        Assert.Equal(ProbeState.Failed, cpuSched.State);
        Assert.Contains("refused by the test seam", cpuSched.StateReason);
        Assert.False(cpuSched.IsRunning);
        Assert.Equal(ProbeState.Running, oomKill.State);
        Assert.True(oomKill.IsRunning);

        var report = await host.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync(TestContext.Current.CancellationToken);
        var entry = report.Entries["xmonitor-probes"];
        Assert.Equal(HealthStatus.Unhealthy, report.Status);
        Assert.StartsWith("cpu_sched failed: ", entry.Description);
        Assert.Contains("refused by the test seam", entry.Description);
        Assert.DoesNotContain("oom_kill", entry.Description);
        Assert.Equal("Running", entry.Data["oom_kill"]);
        Assert.StartsWith("Failed: ", (string)entry.Data["cpu_sched"]);

        await host.StopAsync(TestContext.Current.CancellationToken);
        Assert.Equal(ProbeState.Stopped, oomKill.State);
        Assert.Empty(oomKill.Links);
    }

    [Fact]
    public async Task WithFailFastTheStartFailureStopsTheHost()
    {
        BpfEnvironment.Require();
        var builder = Host.CreateApplicationBuilder();
        builder.Services.Configure<ProbeHostingOptions>(o => o.FailFast = true);
        builder.Services.AddCpuSchedProbe(o => o.AttachStrategy = BpfAttachKind.RawTracepoint);
        using var host = builder.Build();

        BpfAttachRefusal.ForTests.Value = "raw_tp";
        try
        {
            var e = await Assert.ThrowsAsync<BpfException>(() => host.StartAsync(TestContext.Current.CancellationToken));
            Assert.Contains("refused by the test seam", e.Message);
        }
        finally
        {
            BpfAttachRefusal.ForTests.Value = null;
        }
        Assert.Equal(ProbeState.Failed, host.Services.GetRequiredService<CpuSchedProbe>().State);
    }

    [Fact]
    public async Task AllProbesRunningIsHealthy()
    {
        BpfEnvironment.Require();
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddOomKillProbe();
        builder.Services.AddHealthChecks().AddProbes("probes", tags: ["kernel"]);
        using var host = builder.Build();
        await host.StartAsync(TestContext.Current.CancellationToken);

        var report = await host.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync(TestContext.Current.CancellationToken);
        Assert.Equal(HealthStatus.Healthy, report.Status);
        Assert.Equal("1 probe running", report.Entries["probes"].Description);
        Assert.Equal(["kernel"], report.Entries["probes"].Tags);
        await host.StopAsync(TestContext.Current.CancellationToken);
    }
}
