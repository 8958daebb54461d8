using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using XMonitor.Bpf.Probes.OomKill;

namespace XMonitor.Bpf.Probes.Tests;

/// <summary>The OOM kill probe in a host: started with it, detached with it, bad options refused at start.</summary>
public sealed class OomKillHostingTests
{
    [Fact]
    public async Task TheHostStartsAndStopsTheRegisteredProbe()
    {
        BpfEnvironment.Require();
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddOomKillProbe(o => o.ResolveCgroupPaths = false);
        using var host = builder.Build();
        var probe = host.Services.GetRequiredService<OomKillProbe>();
        var kills = new Collector<OomKillEvent>();
        probe.Events.Subscribe(kills);

        await host.StartAsync(TestContext.Current.CancellationToken);
        Assert.True(probe.IsRunning);
        Assert.False(probe.Options.ResolveCgroupPaths);
        await host.StopAsync(TestContext.Current.CancellationToken);

        Assert.False(probe.IsRunning);
        Assert.True(kills.IsCompleted);
    }

    [Fact]
    public Task AHostWithBadOptionsFailsToStart()
        => OptionsAssert.HostRefusesAsync(s => s.AddOomKillProbe(o => o.OomControlStrategy = BpfAttachKind.RawTracepoint), "OomControlStrategy RawTracepoint is not available");
}
