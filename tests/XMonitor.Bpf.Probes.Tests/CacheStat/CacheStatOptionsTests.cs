using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using XMonitor.Bpf.Probes.CacheStat;

namespace XMonitor.Bpf.Probes.Tests.CacheStat;

public sealed class CacheStatOptionsTests
{
    [Fact]
    public void Defaults_AreValid() => Assert.Empty(new CacheStatOptions().Validate());

    [Fact]
    public void EveryBadOption_IsNamed()
    {
        var errors = new CacheStatOptions
        {
            Interval = TimeSpan.FromMilliseconds(1),
            TopProcesses = -1,
            Filter = null!,
            AttachStrategy = BpfAttachKind.RawTracepoint,
        }.Validate();
        Assert.Equal(4, errors.Count);
        Assert.Contains(errors, e => e.StartsWith("Interval", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("TopProcesses", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Filter", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("AttachStrategy RawTracepoint", StringComparison.Ordinal));
    }

    [Fact]
    public void Start_WithBadOptions_ThrowsBeforeTouchingTheKernel()
    {
        using var probe = new CacheStatProbe(new CacheStatOptions { TopProcesses = -5 });
        OptionsAssert.StartRefuses(probe.Start, "TopProcesses");
        Assert.Null(probe.AttachStrategy);
    }

    [Fact]
    public void Options_AreCopied()
    {
        var options = new CacheStatOptions { TopProcesses = 3 };
        using var probe = new CacheStatProbe(options);
        options.TopProcesses = 7;
        Assert.Equal(3, probe.Options.TopProcesses);
    }

    [Fact]
    public Task Host_FailsAtStartOnBadOptions()
        => OptionsAssert.HostRefusesAsync(s => s.AddCacheStatProbe(o => o.Interval = TimeSpan.Zero), "Interval");

    [Fact]
    public async Task Host_StartsAndStopsTheProbe()
    {
        BpfEnvironment.Require();
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = [] });
        builder.Services.AddCacheStatProbe(o => o.Interval = TimeSpan.FromMilliseconds(100));
        using var host = builder.Build();
        var probe = host.Services.GetRequiredService<CacheStatProbe>();
        var samples = new Collector<CacheStatSample>();
        probe.Samples.Subscribe(samples);
        await host.StartAsync(TestContext.Current.CancellationToken);
        Assert.True(probe.IsRunning);
        Assert.NotNull(samples.WaitFor(_ => true, TimeSpan.FromSeconds(5)));
        await host.StopAsync(TestContext.Current.CancellationToken);
        Assert.False(probe.IsRunning);
        Assert.True(samples.IsCompleted);
    }
}
