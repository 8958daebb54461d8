namespace XMonitor.Bpf.Probes.Tests;

/// <summary>Filters check their arguments and resolve paths and namespaces to the ids the kernel compares.</summary>
public sealed class ProcessFilterTests
{
    [Fact]
    public void BadIdsAreRefused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => ProcessFilter.Pid(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => ProcessFilter.ProcessGroup(-1));
        Assert.Throws<ArgumentOutOfRangeException>(() => ProcessFilter.PidNamespace(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => ProcessFilter.CgroupId(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => ProcessFilter.CgroupId(5, (CgroupHierarchy)9));
        var e = Assert.Throws<ArgumentException>(() => ProcessFilter.PidNamespaceOf(int.MaxValue));
        Assert.Contains($"process {int.MaxValue}", e.Message);
    }

    [Fact]
    public void APidNamespaceIsTheInodeOfTheProcesssNamespaceLink()
    {
        var link = new FileInfo($"/proc/{Environment.ProcessId}/ns/pid").LinkTarget!;
        var filter = ProcessFilter.PidNamespaceOf(Environment.ProcessId);
        Assert.Equal(ProcessFilterKind.PidNamespace, filter.Kind);
        Assert.Equal($"pid:[{filter.Value}]", link);
    }

    [Fact]
    public void ACgroupPathBecomesTheInodeOfItsDirectoryInItsHierarchy()
    {
        if (Cgroups.V2Root is { } v2)
        {
            var filter = ProcessFilter.Cgroup(v2 + "/");
            Assert.Equal(Cgroups.Inode(v2), filter.Value);
            Assert.Equal(CgroupHierarchy.Unified, filter.Hierarchy);
        }
        if (Cgroups.MemoryV1Root is { } memory)
        {
            var filter = ProcessFilter.Cgroup(memory);
            Assert.Equal(Cgroups.Inode(memory), filter.Value);
            Assert.Equal(CgroupHierarchy.MemoryV1, filter.Hierarchy);
        }
    }

    [Fact]
    public void APathOutsideTheSupportedHierarchiesIsRefusedWithTheReason()
    {
        var missing = Assert.Throws<ArgumentException>(() => ProcessFilter.Cgroup("/sys/fs/cgroup/unified/no-such-cgroup"));
        Assert.Contains("does not exist", missing.Message);
        var notCgroup = Assert.Throws<ArgumentException>(() => ProcessFilter.Cgroup("/proc"));
        Assert.Contains("is on proc mounted at /proc", notCgroup.Message);
        if (Directory.Exists("/sys/fs/cgroup/cpu") && Cgroups.MemoryV1Root is not null)
        {
            var otherController = Assert.Throws<ArgumentException>(() => ProcessFilter.Cgroup("/sys/fs/cgroup/cpu"));
            Assert.Contains("cgroup v1 memory controller", otherController.Message);
        }
    }
}
