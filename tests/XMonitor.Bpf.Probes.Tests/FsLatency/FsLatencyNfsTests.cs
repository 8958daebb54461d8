using XMonitor.Bpf.Probes.FsLatency;

namespace XMonitor.Bpf.Probes.Tests.FsLatency;

/// <summary>
/// The NFS strategies against a real NFS mount: a helper process's known operations on a file of
/// an NFSv3 (<c>nfs</c>) and an NFSv4 (<c>nfs4</c>) mount, counted by the probe with every strategy
/// the kernel offers. The mounts come from XMONITOR_NFS_MOUNTS (<c>DIR:TYPE,DIR:TYPE</c>), which the
/// kernel matrix's guests set after mounting a loopback export of the kernel's nfsd; elsewhere
/// (this VM's kernel has no NFS client) the tests skip, or fail under XMONITOR_REQUIRE_NFS=1.
/// </summary>
public sealed class FsLatencyNfsTests(ITestOutputHelper output)
{
    public static TheoryData<BpfAttachKind, string> Cases()
    {
        var cases = new TheoryData<BpfAttachKind, string>();
        foreach (var strategy in new[] { BpfAttachKind.Fentry, BpfAttachKind.Kprobe, BpfAttachKind.Tracepoint })
        {
            foreach (var type in new[] { "nfs", "nfs4" })
                cases.Add(strategy, type);
        }
        return cases;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void AProcesssKnownOperationsOnNfsAreCounted(BpfAttachKind strategy, string type)
    {
        BpfEnvironment.Require();
        var directory = Mount(type);
        if (!KernelStrategies.Offers(strategy))
            Assert.Skip($"the kernel does not offer {strategy.SectionPrefix()}");
        var path = Path.Combine(directory, $"xmonitor-fslatency-{Environment.ProcessId}-{strategy}.dat");
        var (probe, last) = FsLoadRecording.Record(path, new FsLatencyOptions { FileSystemType = FsLatencyOptions.Nfs, AttachStrategy = strategy });
        File.Delete(path);

        Assert.Equal(strategy, probe.AttachStrategy);
        Assert.Contains(probe.Mounts, m => m.Type == type && m.MountPoint == directory);
        foreach (var o in last.Operations)
            output.WriteLine($"{strategy.SectionPrefix()} {o.Operation} on {o.Mount}: {o.CountersCumulative}; {o.LatencyCumulative}");
        // Everything happened on the one NFS mount holding the file.
        var device = Assert.Single(last.Operations.Select(o => (o.Major, o.Minor)).Distinct());
        Assert.Equal(type, Assert.Single(probe.Mounts, m => (m.Major, m.Minor) == device).Type);

        FsOperationLatency Op(FsOperation op) => Assert.Single(last.Operations, o => o.Operation == op);
        Assert.Equal(new FsCounters(FsLoad.Writes, 0, FsLoad.Writes * FsLoad.BlockSize), Op(FsOperation.Write).CountersCumulative);
        Assert.Equal(new FsCounters(FsLoad.Reads, 0, FsLoad.Reads * FsLoad.BlockSize), Op(FsOperation.Read).CountersCumulative);
        // NFSv2/3 opens go through nfs_file_open, NFSv4's through nfs4_file_open (module nfsv4),
        // except an NFSv4 create: O_CREAT of a new file opens in ->atomic_open (nfs_atomic_open),
        // which the function strategies do not hook, so the helper's first open (the create) is not
        // theirs. The tracepoints see every open(2).
        var opens = type == "nfs4" && strategy != BpfAttachKind.Tracepoint ? FsLoad.Opens - 1 : FsLoad.Opens;
        Assert.Equal((ulong)opens, Op(FsOperation.Open).CountersCumulative.Operations);
        Assert.Equal((ulong)FsLoad.Fsyncs, Op(FsOperation.Fsync).CountersCumulative.Operations);
        // The function strategies hook nfs_getattr, which the kernel also calls to revalidate an
        // inode (on open and close-to-open consistency), so they may count more than the helper's
        // stat calls; the tracepoints count exactly those calls.
        var getattrs = Op(FsOperation.Getattr).CountersCumulative.Operations;
        if (strategy == BpfAttachKind.Tracepoint)
            Assert.Equal((ulong)FsLoad.Getattrs, getattrs);
        else
            Assert.InRange(getattrs, (ulong)FsLoad.Getattrs, (ulong)(FsLoad.Getattrs + (2 * FsLoad.Opens)));
        Assert.All(last.Operations, o =>
        {
            Assert.Equal(o.CountersCumulative.Operations, o.LatencyCumulative.Count);
            Assert.Equal(0UL, o.CountersCumulative.Errors);
            Assert.InRange(o.LatencyCumulative.Mean, 0, 1_000_000);
        });
        // An NFS fsync (sync export) is a round trip to the server's disk; a cached 4 KiB read is not.
        Assert.True(Op(FsOperation.Fsync).LatencyCumulative.Mean > Op(FsOperation.Read).LatencyCumulative.Mean);
    }

    /// <summary>The directory of the NFS mount of <paramref name="type"/> the environment names.</summary>
    private static string Mount(string type)
    {
        var mounts = Environment.GetEnvironmentVariable("XMONITOR_NFS_MOUNTS");
        var entry = mounts?.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(m => m.Split(':')).FirstOrDefault(m => m.Length == 2 && m[1] == type);
        if (entry is not null)
            return entry[0];
        var reason = $"no {type} mount to test on (XMONITOR_NFS_MOUNTS; the kernel matrix's guests set it)";
        if (Environment.GetEnvironmentVariable("XMONITOR_REQUIRE_NFS") == "1")
            Assert.Fail($"XMONITOR_REQUIRE_NFS=1 but {reason}");
        Assert.Skip(reason);
        return "";
    }
}
