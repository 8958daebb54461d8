using XMonitor.Bpf.Probes.FsLatency;

namespace XMonitor.Bpf.Probes.Tests.FsLatency;

/// <summary>
/// A helper process's known file operations on ext4 (the root file system) and tmpfs (/dev/shm),
/// recorded by a probe filtered on its pid; a FIFO read that waits 200 ms as a slow operation; and
/// the default NFS probe on a machine without NFS mounts.
/// </summary>
public sealed class FsLatencyTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData("ext4", "/var/tmp")]
    [InlineData("tmpfs", "/dev/shm")]
    public void AProcesssKnownOperationsAreCountedWithPlausibleLatencies(string type, string directory)
    {
        BpfEnvironment.Require();
        var path = Path.Combine(directory, $"xmonitor-fslatency-{Environment.ProcessId}.dat");
        var (probe, last) = FsLoadRecording.Record(path, new FsLatencyOptions { FileSystemType = type });

        Assert.Equal(BpfAttachKind.Tracepoint, probe.AttachStrategy);
        Assert.Contains(probe.Mounts, m => m.Type == type);
        foreach (var o in last.Operations)
            output.WriteLine($"{o.Operation} on {o.Mount}: {o.CountersCumulative}; {o.LatencyCumulative}");
        // Everything happened on one file system: the one holding the file.
        var device = Assert.Single(last.Operations.Select(o => (o.Major, o.Minor)).Distinct());
        var mount = Assert.Single(probe.Mounts, m => (m.Major, m.Minor) == device);
        Assert.Equal(type, mount.Type);

        FsOperationLatency Op(FsOperation op) => Assert.Single(last.Operations, o => o.Operation == op);
        Assert.Equal((ulong)FsLoad.Opens, Op(FsOperation.Open).CountersCumulative.Operations);
        Assert.Equal(new FsCounters(FsLoad.Writes, 0, FsLoad.Writes * FsLoad.BlockSize), Op(FsOperation.Write).CountersCumulative);
        Assert.Equal(new FsCounters(FsLoad.Reads, 0, FsLoad.Reads * FsLoad.BlockSize), Op(FsOperation.Read).CountersCumulative);
        Assert.Equal((ulong)FsLoad.Fsyncs, Op(FsOperation.Fsync).CountersCumulative.Operations);
        Assert.Equal((ulong)FsLoad.Getattrs, Op(FsOperation.Getattr).CountersCumulative.Operations);
        Assert.All(last.Operations, o =>
        {
            Assert.Equal(o.CountersCumulative.Operations, o.LatencyCumulative.Count);
            Assert.Equal(0UL, o.CountersCumulative.Errors);
            // Plausible: cached calls take microseconds; nothing here takes a second.
            Assert.InRange(o.LatencyCumulative.Mean, 0, 1_000_000);
        });
        // fsync on ext4 writes to the disk; reads and writes of 4 KiB in the page cache are far quicker.
        if (type == "ext4")
            Assert.True(Op(FsOperation.Fsync).LatencyCumulative.Mean > Op(FsOperation.Read).LatencyCumulative.Mean);
    }

    [Fact]
    public void StatsByPathAreFoundThroughTheMountsReadAtStart()
    {
        BpfEnvironment.Require();
        // stat(path) has no file descriptor: its file system is known only from st_dev, which the
        // kernel side looks up among the devices user space prefilled from mountinfo. The helper
        // touches the file system in no other way, so nothing else could have taught the kernel the device.
        var path = Path.Combine("/var/tmp", $"xmonitor-stat-{Environment.ProcessId}");
        File.WriteAllText(path, "x");
        try
        {
            using var load = new FsLoad("stat", path);
            var readings = new Collector<FsLatencySample>();
            using var probe = new FsLatencyProbe(new FsLatencyOptions { FileSystemType = "ext4", Filter = ProcessFilter.Pid(load.Pid) });
            probe.Samples.Subscribe(readings);
            probe.Start();
            load.Run();
            probe.Dispose();

            var op = Assert.Single(readings.Items[^1].Operations);
            Assert.Equal(FsOperation.Getattr, op.Operation);
            Assert.Equal(3UL, op.CountersCumulative.Operations);
            Assert.Equal("ext4", op.Mount?.Type);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void AFifoReadWhoseWriterWaitsIsASlowOperationWithItsFileName()
    {
        BpfEnvironment.Require();
        var name = $"xmonitor-fifo-{Environment.ProcessId}";
        using var load = new FsLoad("fifo", Path.Combine("/dev/shm", name));
        var slow = new Collector<SlowFsOperationEvent>();
        using var probe = new FsLatencyProbe(new FsLatencyOptions
        {
            FileSystemType = "tmpfs",
            Filter = ProcessFilter.Pid(load.Pid),
            SlowThreshold = TimeSpan.FromMilliseconds(100),
        });
        probe.Events.Subscribe(slow);
        probe.Start();
        load.Run();
        probe.Dispose();

        var e = Assert.Single(slow.Items);
        output.WriteLine($"{e.Operation} {e.FileName} ({e.Inode}) by {e.Command} {e.ProcessId}: {e.Latency.TotalMilliseconds:0.0} ms, {e.Bytes} bytes");
        Assert.Equal(FsOperation.Read, e.Operation);
        Assert.Equal(name, e.FileName);
        Assert.Equal(FsLoad.Command, e.Command);
        Assert.Equal(load.Pid, e.ProcessId);
        Assert.Equal(1UL, e.Bytes);
        Assert.Equal(1UL, e.RequestedBytes);
        // The writer's 200 ms start when its open returns, a little before the reader's read begins.
        Assert.InRange(e.Latency, TimeSpan.FromMilliseconds(FsLoad.FifoDelayMs * 3 / 4), TimeSpan.FromMilliseconds(FsLoad.FifoDelayMs + 500));
        Assert.NotEqual(0UL, e.Inode);
    }

    [Fact]
    public void TheDefaultNfsProbeStartsReportsThatNoNfsMountExistsAndEmitsNothing()
    {
        BpfEnvironment.Require();
        if (File.ReadLines("/proc/self/mountinfo").Any(l => l.Contains(" - nfs", StringComparison.Ordinal)))
            Assert.Skip("this machine has an NFS mount");
        var logger = new ListLogger<FsLatencyProbe>();
        var readings = new Collector<FsLatencySample>();
        var slow = new Collector<SlowFsOperationEvent>();
        using var probe = new FsLatencyProbe(new FsLatencyOptions { Interval = TimeSpan.FromMilliseconds(50), SlowThreshold = TimeSpan.FromTicks(1) }, logger);
        probe.Samples.Subscribe(readings);
        probe.Events.Subscribe(slow);
        probe.Start();
        // File operations of every kind, none of them on NFS.
        var path = Path.Combine("/var/tmp", $"xmonitor-nfs-{Environment.ProcessId}");
        File.WriteAllText(path, "x");
        Assert.Equal("x", File.ReadAllText(path));
        File.Delete(path);
        Thread.Sleep(300);
        probe.Dispose();

        Assert.Empty(probe.Mounts);
        Assert.Contains(logger.Messages, m => m.Contains("no nfs mount exists", StringComparison.Ordinal));
        if (!KernelFeatures.IsSupported(KernelFeature.Kprobe) && !KernelFeatures.IsSupported(KernelFeature.Fentry))
        {
            Assert.Equal(BpfAttachKind.Tracepoint, probe.AttachStrategy);
            Assert.Contains(logger.Messages, m => m.Contains("no fentry", StringComparison.Ordinal) && m.Contains("no kprobe", StringComparison.Ordinal));
        }
        Assert.Empty(readings.Items);
        Assert.Empty(slow.Items);
        Assert.True(readings.IsCompleted && slow.IsCompleted);
    }
}
