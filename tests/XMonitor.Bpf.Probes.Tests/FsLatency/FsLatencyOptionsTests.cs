using XMonitor.Bpf.Probes.FsLatency;

namespace XMonitor.Bpf.Probes.Tests.FsLatency;

/// <summary>Bad options fail on start naming the option, before anything is loaded; a host validates them at start.</summary>
public sealed class FsLatencyOptionsTests
{
    [Theory]
    [InlineData(nameof(FsLatencyOptions.Interval))]
    [InlineData(nameof(FsLatencyOptions.FileSystemType))]
    [InlineData(nameof(FsLatencyOptions.SlowThreshold))]
    [InlineData(nameof(FsLatencyOptions.Filter))]
    [InlineData(nameof(FsLatencyOptions.AttachStrategy))]
    public void EachBadOptionIsNamedOnStart(string option)
    {
        var options = option switch
        {
            nameof(FsLatencyOptions.Interval) => new FsLatencyOptions { Interval = TimeSpan.Zero },
            nameof(FsLatencyOptions.FileSystemType) => new FsLatencyOptions { FileSystemType = "a-type-name-too-long" },
            nameof(FsLatencyOptions.SlowThreshold) => new FsLatencyOptions { SlowThreshold = TimeSpan.FromSeconds(-1) },
            nameof(FsLatencyOptions.Filter) => new FsLatencyOptions { Filter = null! },
            _ => new FsLatencyOptions { AttachStrategy = BpfAttachKind.BtfRawTracepoint },
        };
        using var probe = new FsLatencyProbe(options);

        OptionsAssert.StartRefuses(probe.Start, option);
        Assert.False(probe.IsRunning);
        Assert.Null(probe.AttachStrategy);
    }

    [Fact]
    public void TheNfsFunctionStrategiesAreRefusedForOtherTypes()
    {
        using var probe = new FsLatencyProbe(new FsLatencyOptions { FileSystemType = "ext4", AttachStrategy = BpfAttachKind.Kprobe });
        var e = Assert.Throws<ArgumentException>(probe.Start);
        Assert.Contains("AttachStrategy Kprobe hooks the NFS client's functions and cannot watch ext4: use Tracepoint", e.Message);
    }

    [Fact]
    public void AForcedStrategyTheKernelLacksFailsWithTheReason()
    {
        BpfEnvironment.Require();
        if (KernelFeatures.IsSupported(KernelFeature.Kprobe))
            Assert.Skip("this kernel has kprobes");
        using var probe = new FsLatencyProbe(new FsLatencyOptions { AttachStrategy = BpfAttachKind.Kprobe });
        var e = Assert.Throws<BpfNotSupportedException>(probe.Start);
        Assert.Contains("kprobe", e.Message);
        Assert.False(probe.IsRunning);
    }

    [Fact]
    public Task AHostWithBadOptionsFailsToStart()
        => OptionsAssert.HostRefusesAsync(s => s.AddFsLatencyProbe(o => o.FileSystemType = ""), "FileSystemType must be a file-system type name");

    [Fact]
    public void TheOperationValuesAreTheKernelSides()
    {
        foreach (var op in Enum.GetValues<FsOperation>())
            Assert.Equal(op.ToString(), ((FslatencySkeleton.FslatencyOp)(uint)op).ToString());
        Assert.Equal(Enum.GetValues<FsOperation>().Length, Enum.GetValues<FslatencySkeleton.FslatencyOp>().Length);
    }
}
