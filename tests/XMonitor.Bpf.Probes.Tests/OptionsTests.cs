using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using XMonitor.Bpf.Probes.CpuSched;

namespace XMonitor.Bpf.Probes.Tests;

/// <summary>Bad options fail on start with messages that name the option; nothing is loaded before.</summary>
public sealed class OptionsTests
{
    [Theory]
    [InlineData(nameof(CpuSchedOptions.Interval))]
    [InlineData(nameof(CpuSchedOptions.Unit))]
    [InlineData(nameof(CpuSchedOptions.Aggregation))]
    [InlineData(nameof(CpuSchedOptions.OffCpuThreshold))]
    [InlineData(nameof(CpuSchedOptions.HungTaskThreshold))]
    [InlineData(nameof(CpuSchedOptions.Filter))]
    [InlineData(nameof(CpuSchedOptions.AttachStrategy))]
    public void EachBadOptionIsNamedOnStart(string option)
    {
        var options = Bad(option);
        using var probe = new CpuSchedProbe(options);

        var e = Assert.Throws<ArgumentException>(probe.Start);
        Assert.Equal("options", e.ParamName);
        Assert.Contains(option, e.Message);
        Assert.False(probe.IsRunning);
        Assert.Null(probe.AttachStrategy);
    }

    [Fact]
    public void EveryProblemIsListedAtOnce()
    {
        using var probe = new CpuSchedProbe(new CpuSchedOptions { Interval = TimeSpan.FromMilliseconds(1), HungTaskThreshold = TimeSpan.FromSeconds(-1) });
        var e = Assert.Throws<ArgumentException>(probe.Start);
        Assert.Contains("Interval must be between 10 ms and 1 day", e.Message);
        Assert.Contains("HungTaskThreshold must not be negative", e.Message);
    }

    [Fact]
    public void AStrategyTheProbeHasNoProgramsForIsRefusedWithTheOnesItHas()
    {
        using var probe = new CpuSchedProbe(new CpuSchedOptions { AttachStrategy = BpfAttachKind.Fentry });
        var e = Assert.Throws<ArgumentException>(probe.Start);
        Assert.Contains("AttachStrategy Fentry is not available for the CPU scheduling probe: it has programs for BtfRawTracepoint (tp_btf) and RawTracepoint (raw_tp)", e.Message);
    }

    [Fact]
    public async Task AHostWithBadOptionsFailsToStartWithOptionsValidationException()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddCpuSchedProbe(o => o.Interval = TimeSpan.Zero);
        using var host = builder.Build();

        var e = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync(TestContext.Current.CancellationToken));
        Assert.Contains("Interval must be between", e.Message);
        // Nor can a probe be built from them by anyone else.
        Assert.Throws<OptionsValidationException>(() => host.Services.GetRequiredService<CpuSchedProbe>());
    }

    [Fact]
    public void ChangingOptionsAfterCreationDoesNotChangeTheProbe()
    {
        var options = new CpuSchedOptions { Interval = TimeSpan.FromSeconds(2) };
        using var probe = new CpuSchedProbe(options);
        options.Interval = TimeSpan.Zero;
        Assert.Equal(TimeSpan.FromSeconds(2), probe.Options.Interval);
    }

    private static CpuSchedOptions Bad(string option) => option switch
    {
        nameof(CpuSchedOptions.Interval) => new() { Interval = TimeSpan.Zero },
        nameof(CpuSchedOptions.Unit) => new() { Unit = (HistogramUnit)7 },
        nameof(CpuSchedOptions.Aggregation) => new() { Aggregation = (CpuSchedAggregation)7 },
        nameof(CpuSchedOptions.OffCpuThreshold) => new() { OffCpuThreshold = TimeSpan.FromMilliseconds(-1) },
        nameof(CpuSchedOptions.HungTaskThreshold) => new() { HungTaskThreshold = TimeSpan.FromMilliseconds(-1) },
        nameof(CpuSchedOptions.Filter) => new() { Filter = null! },
        nameof(CpuSchedOptions.AttachStrategy) => new() { AttachStrategy = BpfAttachKind.Kprobe },
        _ => throw new ArgumentOutOfRangeException(nameof(option)),
    };
}
