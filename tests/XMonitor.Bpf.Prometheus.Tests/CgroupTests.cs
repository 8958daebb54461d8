namespace XMonitor.Bpf.Prometheus.Tests;

public sealed class CgroupTests
{
    [Theory]
    // systemd driver, burstable, containerd
    [InlineData("/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod8f3c2a1e_4b5d_4c7e_9f10_2a3b4c5d6e7f.slice/cri-containerd-4a1f2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8.scope",
        "8f3c2a1e-4b5d-4c7e-9f10-2a3b4c5d6e7f", "4a1f2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8", "burstable")]
    // systemd driver, besteffort, CRI-O
    [InlineData("/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod0b1c2d3e_0000_4111_8222_333344445555.slice/crio-9e8d7c6b5a49382716059e8d7c6b5a49382716059e8d7c6b5a4938271605abcd.scope",
        "0b1c2d3e-0000-4111-8222-333344445555", "9e8d7c6b5a49382716059e8d7c6b5a49382716059e8d7c6b5a4938271605abcd", "besteffort")]
    // systemd driver, guaranteed (pod slice straight under kubepods.slice), docker
    [InlineData("/kubepods.slice/kubepods-pod5d6e7f80_1a2b_4c3d_8e9f_0a1b2c3d4e5f.slice/docker-1234567890abcdef1234567890abcdef1234567890abcdef1234567890abcdef.scope",
        "5d6e7f80-1a2b-4c3d-8e9f-0a1b2c3d4e5f", "1234567890abcdef1234567890abcdef1234567890abcdef1234567890abcdef", "guaranteed")]
    // cgroupfs driver, burstable
    [InlineData("/kubepods/burstable/pod8f3c2a1e-4b5d-4c7e-9f10-2a3b4c5d6e7f/4a1f2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8",
        "8f3c2a1e-4b5d-4c7e-9f10-2a3b4c5d6e7f", "4a1f2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8", "burstable")]
    // cgroupfs driver, guaranteed, under the v1 memory mount point
    [InlineData("/sys/fs/cgroup/memory/kubepods/pod5d6e7f80-1a2b-4c3d-8e9f-0a1b2c3d4e5f/1234567890abcdef1234567890abcdef1234567890abcdef1234567890abcdef",
        "5d6e7f80-1a2b-4c3d-8e9f-0a1b2c3d4e5f", "1234567890abcdef1234567890abcdef1234567890abcdef1234567890abcdef", "guaranteed")]
    // containerd with the systemd driver inside a node container (kind)
    [InlineData("/system.slice/containerd.service/kubepods-besteffort-pod0b1c2d3e_0000_4111_8222_333344445555.slice:cri-containerd:9e8d7c6b5a49382716059e8d7c6b5a49382716059e8d7c6b5a4938271605abcd",
        "0b1c2d3e-0000-4111-8222-333344445555", "9e8d7c6b5a49382716059e8d7c6b5a49382716059e8d7c6b5a4938271605abcd", "besteffort")]
    // a static pod: its UID is the manifest's hash, without dashes
    [InlineData("/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod2f1d6e4c8b7a9e0d1c2b3a4f5e6d7c8b.slice/cri-containerd-aaaabbbbccccddddeeeeffff0000111122223333444455556666777788889999.scope",
        "2f1d6e4c8b7a9e0d1c2b3a4f5e6d7c8b", "aaaabbbbccccddddeeeeffff0000111122223333444455556666777788889999", "burstable")]
    public void Kubernetes_paths_give_pod_uid_and_container_id(string path, string uid, string container, string qos)
    {
        Assert.True(KubernetesCgroup.TryParse(path, out var parsed));
        Assert.Equal(new KubernetesCgroup(uid, container, qos), parsed);
    }

    [Theory]
    [InlineData("/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod8f3c2a1e_4b5d_4c7e_9f10_2a3b4c5d6e7f.slice", "burstable")]
    [InlineData("/kubepods/besteffort/pod8f3c2a1e-4b5d-4c7e-9f10-2a3b4c5d6e7f", "besteffort")]
    public void The_pod_cgroup_itself_has_no_container(string path, string qos)
    {
        Assert.True(KubernetesCgroup.TryParse(path, out var parsed));
        Assert.Equal(new KubernetesCgroup("8f3c2a1e-4b5d-4c7e-9f10-2a3b4c5d6e7f", null, qos), parsed);
    }

    [Fact]
    public void Label_values_of_a_container_cgroup_carry_pod_and_container()
    {
        const string path = "/kubepods/burstable/pod8f3c2a1e-4b5d-4c7e-9f10-2a3b4c5d6e7f/4a1f2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8";
        Assert.Equal(new CgroupLabels(path, "8f3c2a1e-4b5d-4c7e-9f10-2a3b4c5d6e7f", "4a1f2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8"), CgroupLabels.FromPath(path));
        Assert.Equal(new CgroupLabels("/system.slice/cron.service", "", ""), CgroupLabels.FromPath("/system.slice/cron.service"));
        Assert.Equal(CgroupLabels.Unknown, CgroupLabels.FromPath(null));
    }

    [Fact]
    public void CRI_O_conmon_scope_is_not_the_container()
    {
        Assert.True(KubernetesCgroup.TryParse("/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod8f3c2a1e_4b5d_4c7e_9f10_2a3b4c5d6e7f.slice/crio-conmon-9e8d7c6b5a49382716059e8d7c6b5a49382716059e8d7c6b5a4938271605abcd.scope", out var parsed));
        Assert.Null(parsed!.ContainerId);
    }

    [Theory]
    [InlineData("/")]
    [InlineData("")]
    [InlineData(null)]
    [InlineData("/system.slice/containerd.service")]
    [InlineData("/user.slice/user-1000.slice/session-2.scope")]
    [InlineData("/kubepods.slice")]
    [InlineData("/kubepods.slice/kubepods-burstable.slice")]
    [InlineData("/docker/4a1f2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8")]
    [InlineData("/kubepods/burstable/podNOT-A-UID/abc")]
    public void Other_paths_are_not_pods(string? path)
        => Assert.False(KubernetesCgroup.TryParse(path, out _));

    [Fact]
    public void The_resolver_finds_a_cgroup_by_the_inode_of_its_directory()
    {
        var resolver = CgroupPathResolver.Unified() ?? CgroupPathResolver.MemoryV1();
        Assert.SkipWhen(resolver is null, "no cgroup v2 or v1 memory hierarchy is mounted");
        var name = $"xmonitor-prom-test-{Environment.ProcessId}";
        var directory = Path.Combine(resolver!.Root, name);
        try
        {
            Directory.CreateDirectory(directory);
        }
        catch (UnauthorizedAccessException)
        {
            Assert.Skip("creating a cgroup needs root");
        }
        try
        {
            Assert.True(Cgroup.TryGetId(directory, out var id));
            Assert.True(Cgroup.TryGetId(resolver.Root, out var rootId));
            Assert.Equal("/" + name, resolver.Resolve(id));
            var labels = new CgroupLabelResolver(resolver);
            Assert.Equal(new CgroupLabels("/" + name, "", ""), labels.Labels(id));
            Assert.Equal(CgroupLabels.Unknown, labels.Labels(ulong.MaxValue));
            // By the recorded name, on a resolver that never walked: only directories of that name are looked at.
            var fresh = new CgroupPathResolver(resolver.Root);
            Assert.Null(fresh.FindDirectory(id, "another-name"));
            Assert.Equal(Path.Combine(resolver.Root, name), fresh.FindDirectory(id, name));
            Assert.Equal(Path.Combine(resolver.Root, name), new CgroupPathResolver(resolver.Root).FindDirectory(id, null));
            Assert.Equal("/", resolver.Resolve(rootId));
            Assert.Null(resolver.Resolve(ulong.MaxValue));
        }
        finally
        {
            Directory.Delete(directory);
        }
    }

    [Fact]
    public void Unknown_ids_do_not_rescan_before_the_interval()
    {
        var root = Directory.CreateTempSubdirectory("xm-cgroup-").FullName;
        try
        {
            var resolver = new CgroupPathResolver(root, TimeSpan.FromHours(1));
            Assert.Null(resolver.Resolve(1));
            var late = Directory.CreateDirectory(Path.Combine(root, "late", "child")).FullName;
            Assert.True(Cgroup.TryGetId(late, out var id));
            Assert.Null(resolver.Resolve(id));
            var eager = new CgroupPathResolver(root, TimeSpan.Zero);
            Assert.Equal("/late/child", eager.Resolve(id));
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }
}
