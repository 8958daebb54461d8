using XMonitor.Bpf.Probes.FsLatency;

namespace XMonitor.Bpf.Probes.Tests.FsLatency;

/// <summary>Nothing of a disposed file-system latency probe stays in the kernel.</summary>
public sealed class FsLatencyLifecycleTests
{
    [Fact]
    public void DisposeLeavesNoProgramOrLinkBehind()
    {
        BpfEnvironment.Require();
        var probe = new FsLatencyProbe(new FsLatencyOptions { FileSystemType = "tmpfs", Filter = ProcessFilter.Pid(Environment.ProcessId) });
        probe.Start();
        var ids = probe.GetProgramStatistics().Values.Select(s => s.Id).ToList();
        // Enter and exit of read, pread64, write, pwrite64, fsync, fdatasync, newfstat, openat, open, newfstatat, statx on x86-64.
        Assert.Equal(22, ids.Count);
        KernelPrograms.AssertGoneAfter(ids, probe.Dispose);
        Assert.Throws<ObjectDisposedException>(probe.Start);
    }
}
