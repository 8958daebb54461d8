using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using XMonitor.Bpf.Probes.Napi;

namespace XMonitor.Bpf.Probes.Tests.Napi;

/// <summary>Bad options fail on start naming the option, before anything is loaded; a host validates them at start.</summary>
public sealed class NapiOptionsTests
{
    [Theory]
    [InlineData(nameof(NapiOptions.Interval))]
    [InlineData(nameof(NapiOptions.InterfaceIndex))]
    [InlineData(nameof(NapiOptions.AttachStrategy))]
    public void EachBadOptionIsNamedOnStart(string option)
    {
        var options = option switch
        {
            nameof(NapiOptions.Interval) => new NapiOptions { Interval = TimeSpan.FromDays(2) },
            nameof(NapiOptions.InterfaceIndex) => new NapiOptions { InterfaceIndex = -1 },
            _ => new NapiOptions { AttachStrategy = BpfAttachKind.RawTracepoint },
        };
        using var probe = new NapiProbe(options);

        OptionsAssert.StartRefuses(probe.Start, option);
        Assert.False(probe.IsRunning);
        Assert.Null(probe.AttachStrategy);
    }

    [Fact]
    public async Task AHostWithBadOptionsFailsToStartAndAGoodOneStartsAndStopsTheProbe()
    {
        await OptionsAssert.HostRefusesAsync(s => s.AddNapiProbe(o => o.InterfaceIndex = -3), "InterfaceIndex must not be negative");

        BpfEnvironment.Require();
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddNapiProbe(o => (o.Interval, o.MeasurePollTime) = (TimeSpan.FromMilliseconds(50), true));
        using var good = builder.Build();
        var probe = good.Services.GetRequiredService<NapiProbe>();
        var samples = new Collector<NapiSample>();
        probe.Samples.Subscribe(samples);
        await good.StartAsync(TestContext.Current.CancellationToken);
        Assert.True(probe.IsRunning);
        // napi_poll plus the two softirq brackets (no kprobes, no fentry here).
        Assert.Equal(3, probe.GetProgramStatistics().Count);
        Assert.NotNull(samples.WaitFor(_ => true, TimeSpan.FromSeconds(5)));
        await good.StopAsync(TestContext.Current.CancellationToken);
        Assert.False(probe.IsRunning);
        Assert.True(samples.IsCompleted);
    }
}
