using System.Runtime.InteropServices;

namespace XMonitor.Bpf.Tests;

/// <summary>Feature probing reports what this machine's kernel really offers (see shared/KERNEL.md).</summary>
public sealed partial class KernelFeaturesTests
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

    [Fact]
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    public void TracefsMountedButUnreadableIsAPermissionErrorNotAMissingMount()
    {
        BpfEnvironment.Require();
        if (Environment.UserName != "root" || KernelFeatures.TracefsPath != "/sys/kernel/tracing")
            Assert.Skip("needs root and tracefs mounted at /sys/kernel/tracing");
        if ((File.GetUnixFileMode("/sys/kernel/tracing") & (UnixFileMode.OtherExecute | UnixFileMode.OtherRead)) != 0)
            Assert.Skip("tracefs is readable by other users here: nothing to deny");

        // As user nobody, on one thread: Linux checks file access against the thread's fsuid, and
        // moving it away from 0 also clears the thread's CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH,
        // which is a non-root agent without CAP_DAC_READ_SEARCH reading root's 0700 tracefs.
        (FeatureStatus Tracefs, FeatureStatus Tracepoint, Exception? Thrown) seen = default;
        var thread = new Thread(() =>
        {
            var previous = SetFsUid(65534);
            try
            {
                seen.Tracefs = KernelFeatures.Check(KernelFeature.Tracefs);
                seen.Tracepoint = KernelFeatures.Check(KernelFeature.Tracepoint);
                seen.Thrown = Record.Exception(() => KernelFeatures.Require(KernelFeature.Tracepoint, "start fs latency"));
            }
            finally
            {
                SetFsUid(previous);
            }
        });
        thread.Start();
        thread.Join();

        const string Reason = "tracefs is mounted at /sys/kernel/tracing but this process may not read it (permission denied): run as root or grant CAP_DAC_READ_SEARCH";
        Assert.Equal(new FeatureStatus(KernelFeature.Tracefs, FeatureSupport.Unknown, Reason), seen.Tracefs);
        Assert.Equal(new FeatureStatus(KernelFeature.Tracepoint, FeatureSupport.Unknown, Reason), seen.Tracepoint);
        var permission = Assert.IsType<BpfPermissionException>(seen.Thrown);
        Assert.Equal($"start fs latency: Permission denied (EACCES). {Reason}", permission.Message);
        // Back at fsuid 0, the same checks see tracefs again (they are not cached while negative).
        Assert.True(KernelFeatures.IsSupported(KernelFeature.Tracepoint));
    }

    /// <summary>setfsuid(2): changes the calling thread's file-system user id and returns the previous one.</summary>
    [LibraryImport("libc", EntryPoint = "setfsuid")]
    private static partial int SetFsUid(int fsuid);
}
