using XMonitor.Bpf.Probes.FsLatency;

namespace XMonitor.Bpf.Probes.Tests.FsLatency;

/// <summary>
/// A probe watching a type with no mount attaches nothing (every other read and write of the machine
/// pays nothing for it), attaches when the test mounts one, counts a helper's known operations there,
/// and detaches again when the test unmounts it. ramfs: mounted nowhere on a usual machine, and
/// mounting one needs no image.
/// </summary>
public sealed class FsLatencyMountTests(ITestOutputHelper output)
{
    // Enter and exit of read, pread64, write, pwrite64, fsync, fdatasync, newfstat, openat, open, newfstatat, statx on x86-64.
    private const int ProgramCount = 22;
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(100);
    // The probe checks the mount table every interval; a loaded 2-core VM may delay a tick by seconds.
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(15);

    [Fact]
    public void ProgramsAreAttachedOnlyWhileAMountOfTheTypeExists()
    {
        BpfEnvironment.Require();
        if (File.ReadLines("/proc/self/mountinfo").Any(l => l.Contains(" - ramfs ", StringComparison.Ordinal)))
            Assert.Skip("this machine has a ramfs mount");
        var directory = Directory.CreateTempSubdirectory("xmonitor-ramfs-").FullName;
        var mounted = false;
        try
        {
            using var load = new FsLoad("ops", Path.Combine(directory, "data"));
            var logger = new ListLogger<FsLatencyProbe>();
            var readings = new Collector<FsLatencySample>();
            using var probe = new FsLatencyProbe(new FsLatencyOptions { FileSystemType = "ramfs", Filter = ProcessFilter.Pid(load.Pid), Interval = Interval }, logger);
            probe.Samples.Subscribe(readings);
            probe.Start();
            var ids = probe.Programs.Select(p => p.GetStatistics().Id).ToList();
            Assert.Equal(ProgramCount, ids.Count);

            // Several intervals without a mount: running, loaded, attached nowhere.
            Thread.Sleep(Interval * 5);
            Assert.True(probe.IsRunning);
            Assert.Empty(probe.Mounts);
            Assert.Empty(probe.Links);
            Assert.False(ids.Any(KernelPrograms.Linked().Contains), "a program of the probe is attached without a ramfs mount");
            Assert.Contains(logger.Messages, m => m.Contains("no ramfs mount exists", StringComparison.Ordinal));

            Succeed("mount", "-t", "ramfs", "xmonitor-test", directory);
            mounted = true;
            Assert.True(SpinWait.SpinUntil(() => probe.Links.Count == ProgramCount, Patience), "the probe did not attach after the mount");
            Assert.True(ids.ToHashSet().IsSubsetOf(KernelPrograms.Linked()), "a program of the probe is not attached");
            var mount = Assert.Single(probe.Mounts);
            Assert.Equal(("ramfs", directory), (mount.Type, mount.MountPoint));

            load.Run();
            Assert.NotNull(readings.WaitFor(r => r.Operations.Any(o => o.Operation == FsOperation.Read && o.CountersCumulative.Operations == FsLoad.Reads), Patience));

            Succeed("umount", directory);
            mounted = false;
            Assert.True(SpinWait.SpinUntil(() => probe.Links.Count == 0, Patience), "the probe did not detach after the unmount");
            // The kernel may free a closed link a moment later.
            Assert.True(SpinWait.SpinUntil(() => !ids.Any(KernelPrograms.Linked().Contains), Patience), "a program of the probe is still attached after the unmount");
            Assert.Empty(probe.Mounts);
            Assert.True(probe.IsRunning);
            probe.Dispose();

            foreach (var m in logger.Messages)
                output.WriteLine(m);
            Assert.Contains(logger.Messages, m => m.Contains("ramfs mounted, programs attached", StringComparison.Ordinal));
            Assert.Contains(logger.Messages, m => m.Contains("no ramfs mount left, programs detached", StringComparison.Ordinal));
            var last = readings.Items[^1];
            FsOperationLatency Op(FsOperation op) => Assert.Single(last.Operations, o => o.Operation == op);
            Assert.All(last.Operations, o => Assert.Equal((mount.Major, mount.Minor, "ramfs"), (o.Major, o.Minor, o.Mount?.Type)));
            Assert.Equal((ulong)FsLoad.Opens, Op(FsOperation.Open).CountersCumulative.Operations);
            Assert.Equal(new FsCounters(FsLoad.Writes, 0, FsLoad.Writes * FsLoad.BlockSize), Op(FsOperation.Write).CountersCumulative);
            Assert.Equal(new FsCounters(FsLoad.Reads, 0, FsLoad.Reads * FsLoad.BlockSize), Op(FsOperation.Read).CountersCumulative);
            Assert.Equal((ulong)FsLoad.Fsyncs, Op(FsOperation.Fsync).CountersCumulative.Operations);
            Assert.Equal((ulong)FsLoad.Getattrs, Op(FsOperation.Getattr).CountersCumulative.Operations);
        }
        finally
        {
            if (mounted)
                Tool.Run("umount", "-l", directory);
            Directory.Delete(directory);
        }
    }

    private static void Succeed(string tool, params string[] args)
    {
        var (code, _, error) = Tool.Run(tool, args);
        Assert.True(code == 0, $"{tool} {string.Join(' ', args)}: {error}");
    }
}
