using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using XMonitor.Bpf.Probes.BioLatency;

namespace XMonitor.Bpf.Probes.Tests.BioLatency;

/// <summary>Bad options fail on start naming the option, before anything is loaded; a host validates them at start.</summary>
public sealed class BioLatencyOptionsTests
{
    [Theory]
    [InlineData(nameof(BioLatencyOptions.Interval))]
    [InlineData(nameof(BioLatencyOptions.Unit))]
    [InlineData(nameof(BioLatencyOptions.Disk))]
    [InlineData(nameof(BioLatencyOptions.SlowThreshold))]
    [InlineData(nameof(BioLatencyOptions.AttachStrategy))]
    public void EachBadOptionIsNamedOnStart(string option)
    {
        var options = option switch
        {
            nameof(BioLatencyOptions.Interval) => new BioLatencyOptions { Interval = TimeSpan.FromMilliseconds(1) },
            nameof(BioLatencyOptions.Unit) => new BioLatencyOptions { Unit = (HistogramUnit)7 },
            nameof(BioLatencyOptions.Disk) => new BioLatencyOptions { Disk = "no-such-disk" },
            nameof(BioLatencyOptions.SlowThreshold) => new BioLatencyOptions { SlowThreshold = TimeSpan.FromSeconds(-1) },
            _ => new BioLatencyOptions { AttachStrategy = BpfAttachKind.Kprobe },
        };
        using var probe = new BioLatencyProbe(options);

        OptionsAssert.StartRefuses(probe.Start, option);
        Assert.False(probe.IsRunning);
        Assert.Null(probe.AttachStrategy);
    }

    [Fact]
    public async Task AHostWithBadOptionsFailsToStartAndAGoodOneStartsAndStopsTheProbe()
    {
        await OptionsAssert.HostRefusesAsync(s => s.AddBioLatencyProbe(o => o.Disk = "no-such-disk"), "Disk 'no-such-disk' is not a block device");

        BpfEnvironment.Require();
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddBioLatencyProbe(o => o.Interval = TimeSpan.FromMilliseconds(50));
        using var good = builder.Build();
        var probe = good.Services.GetRequiredService<BioLatencyProbe>();
        var readings = new Collector<BlockIoLatency>();
        probe.Samples.Subscribe(readings);
        await good.StartAsync(TestContext.Current.CancellationToken);
        Assert.True(probe.IsRunning);
        Assert.Equal(3, probe.GetProgramStatistics().Count);
        Assert.NotNull(readings.WaitFor(_ => true, TimeSpan.FromSeconds(5)));
        await good.StopAsync(TestContext.Current.CancellationToken);
        Assert.False(probe.IsRunning);
        Assert.True(readings.IsCompleted);
    }

    [Fact]
    public void TheOperationValuesAreTheKernelSides()
    {
        foreach (var op in Enum.GetValues<BlockIoOperation>())
            Assert.Equal(op.ToString(), ((BiolatencySkeleton.BiolatencyOp)(uint)op).ToString());
        Assert.Equal(Enum.GetValues<BlockIoOperation>().Length, Enum.GetValues<BiolatencySkeleton.BiolatencyOp>().Length);
    }
}
