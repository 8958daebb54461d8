namespace XMonitor.Bpf.Tests;

/// <summary>Feature probing reports what this machine's kernel really offers (see shared/KERNEL.md).</summary>
public sealed class KernelFeaturesTests
{
    [Fact]
    public void ThisKernelHasTpBtfButNoKprobesAndNoFentry()
    {
        BpfEnvironment.Require();
        Assert.True(KernelFeatures.IsSupported(KernelFeature.Btf));
        Assert.True(KernelFeatures.IsSupported(KernelFeature.Tracefs));
        Assert.True(KernelFeatures.IsSupported(KernelFeature.Tracepoint));
        Assert.True(KernelFeatures.IsSupported(KernelFeature.RawTracepoint));
        Assert.True(KernelFeatures.IsSupported(KernelFeature.BtfRawTracepoint));
        Assert.True(KernelFeatures.IsSupported(KernelFeature.RingBuffer));
        Assert.True(KernelFeatures.IsSupported(KernelFeature.BpfLoop));
        Assert.True(KernelFeatures.IsSupported(KernelFeature.SyscallProgram));
        Assert.True(KernelFeatures.IsSupported(KernelFeature.MapBatchOps));
        Assert.True(KernelFeatures.IsSupported(KernelFeature.Uprobe));

        var kprobe = KernelFeatures.Check(KernelFeature.Kprobe);
        Assert.Equal(FeatureSupport.NotSupported, kprobe.Support);
        Assert.Contains("CONFIG_KPROBES", kprobe.Reason);

        var fentry = KernelFeatures.Check(KernelFeature.Fentry);
        Assert.Equal(FeatureSupport.NotSupported, fentry.Support);
        Assert.Contains("EPERM", fentry.Reason);
    }

    [Fact]
    public void TypesAndHelpersAreProbedIndividually()
    {
        BpfEnvironment.Require();
        Assert.True(KernelFeatures.IsProgramTypeSupported(BpfProgramType.Tracepoint));
        Assert.True(KernelFeatures.IsMapTypeSupported(BpfMapType.LruPerCpuHash));
        Assert.True(KernelFeatures.IsHelperSupported(BpfProgramType.Tracepoint, 14 /* get_current_pid_tgid */));
        Assert.Equal(Enum.GetValues<KernelFeature>().Length, KernelFeatures.CheckAll().Count);
    }

    [Fact]
    public void RequireThrowsNotSupportedNamingTheFeature()
    {
        BpfEnvironment.Require();
        var ex = Assert.Throws<BpfNotSupportedException>(() => KernelFeatures.Require(KernelFeature.Kprobe, "start cachestat"));
        Assert.Equal("kprobe", ex.Feature);
        Assert.StartsWith("start cachestat", ex.Message);
        KernelFeatures.Require(KernelFeature.BtfRawTracepoint, "start cpusched");
    }
}
