using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using XMonitor.Bpf.Probes.ProcessVm;

namespace XMonitor.Bpf.Probes.Tests;

/// <summary>Strategy choice, options, hosting and the cgroup filter of the process VM probe.</summary>
public sealed class ProcessVmStrategyTests(ITestOutputHelper output)
{
    private const ulong MiB = 1UL << 20;

    [Fact]
    public void OnThisKernelTheSyscallTracepointsWithVmaLookupAreChosen()
    {
        BpfEnvironment.Require();
        using var probe = new ProcessVmProbe(new ProcessVmOptions());
        probe.Start();
        Assert.Equal(BpfAttachKind.Tracepoint, probe.AttachStrategy);
        Assert.Equal(KernelFeatures.IsHelperSupported(BpfProgramType.Tracepoint, 180), probe.UsesVmaLookup);
        // mmap, munmap, mremap and brk enter and exit, process exit and exec.
        var ids = probe.GetProgramStatistics().Values.Select(s => s.Id).ToList();
        Assert.Equal(10, ids.Count);
        KernelPrograms.AssertGoneAfter(ids, probe.Dispose);
        Assert.False(probe.IsRunning);
        Assert.Throws<ObjectDisposedException>(probe.Start);
    }

    [Theory]
    [InlineData(BpfAttachKind.Fentry, KernelFeature.Fentry)]
    [InlineData(BpfAttachKind.Kprobe, KernelFeature.Kprobe)]
    public void AForcedStrategyTheKernelLacksFailsNamingIt(BpfAttachKind strategy, KernelFeature feature)
    {
        BpfEnvironment.Require();
        if (KernelFeatures.IsSupported(feature))
        {
            using var works = new ProcessVmProbe(new ProcessVmOptions { AttachStrategy = strategy });
            if (strategy == BpfAttachKind.Fentry && Environment.OSVersion.Version < new Version(6, 6))
            {
                // do_mmap takes 7 arguments; x86 BPF trampolines take more than 6 only from 6.6 on,
                // so fentry attaches fail there with ENOTSUPP (seen on Debian 12's 6.1).
                var refused = Assert.Throws<BpfNotSupportedException>(works.Start);
                output.WriteLine(refused.Message);
                Assert.Contains("fentry 'do_mmap'", refused.Message);
                return;
            }
            works.Start();
            Assert.Equal(strategy, works.AttachStrategy);
            Assert.False(works.UsesVmaLookup);
            return;
        }
        using var probe = new ProcessVmProbe(new ProcessVmOptions { AttachStrategy = strategy });
        var e = Assert.Throws<BpfNotSupportedException>(probe.Start);
        output.WriteLine(e.Message);
        Assert.Contains(strategy.SectionPrefix(), e.Message);
        Assert.False(probe.IsRunning);
        Assert.Null(probe.AttachStrategy);
    }

    [Fact]
    public void BadOptionsAreNamedOnStart()
    {
        using var probe = new ProcessVmProbe(new ProcessVmOptions
        {
            Interval = TimeSpan.Zero,
            Filter = null!,
            MaxProcesses = 0,
            MaxRanges = ProcessVmOptions.MaxMapEntries + 1,
            AttachStrategy = BpfAttachKind.Kprobe,
            VmaLookup = true,
        });
        var e = Assert.Throws<ArgumentException>(probe.Start);
        Assert.Equal("options", e.ParamName);
        foreach (var option in new[] { "Interval must be", "Filter must not be null", "MaxProcesses must be", "MaxRanges must be", "VmaLookup cannot be used with AttachStrategy Kprobe" })
            Assert.Contains(option, e.Message);

        using var raw = new ProcessVmProbe(new ProcessVmOptions { AttachStrategy = BpfAttachKind.RawTracepoint });
        Assert.Contains("AttachStrategy RawTracepoint is not available", Assert.Throws<ArgumentException>(raw.Start).Message);
    }

    [Fact]
    public async Task TheHostStartsAndStopsTheRegisteredProbe()
    {
        BpfEnvironment.Require();
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddProcessVmProbe(o => o.Interval = TimeSpan.FromMilliseconds(50));
        using var host = builder.Build();
        var probe = host.Services.GetRequiredService<ProcessVmProbe>();
        var samples = new Collector<ProcessVmSample>();
        probe.Samples.Subscribe(samples);

        await host.StartAsync(TestContext.Current.CancellationToken);
        Assert.True(probe.IsRunning);
        Assert.NotNull(samples.WaitFor(_ => true, TimeSpan.FromSeconds(2)));
        await host.StopAsync(TestContext.Current.CancellationToken);

        Assert.False(probe.IsRunning);
        Assert.True(samples.IsCompleted);
    }

    [Fact]
    public Task AHostWithBadOptionsFailsToStart()
        => OptionsAssert.HostRefusesAsync(s => s.AddProcessVmProbe(o => o.MaxProcesses = -1), "MaxProcesses must be");

    [Fact]
    public void AProcessGroupFilterSeesOnlyThatGroup()
    {
        BpfEnvironment.Require();
        // The seen process leads a group of its own; the other stays in the test host's group.
        using var seen = new VmStepper(newProcessGroup: true);
        using var other = new VmStepper();
        using var probe = new ProcessVmProbe(new ProcessVmOptions { Filter = ProcessFilter.ProcessGroup(seen.Pid) });
        probe.Start();

        seen.Step('a');
        other.Step('a');
        var entry = Assert.Single(probe.ReadSample().Processes);
        Assert.Equal((seen.Pid, 100 * MiB), (entry.ProcessId, entry.AnonymousPrivate.CurrentBytes));
        seen.Quit();
        other.Quit();
        Assert.Empty(probe.ReadSample().Processes);
    }

    [Fact]
    public void ACgroupFilterSeesOnlyThatCgroupsProcessesAndReportsItsId()
    {
        BpfEnvironment.Require();
        if (Cgroups.MemoryV1Root is not { } root)
        {
            Assert.Skip("no cgroup v1 memory controller mounted here");
            return;
        }
        var dir = Path.Combine(root, $"xmon-test-{Guid.NewGuid():N}"[..22]);
        Directory.CreateDirectory(dir);
        try
        {
            using var seen = new VmStepper();
            using var other = new VmStepper();
            File.WriteAllText(Path.Combine(dir, "cgroup.procs"), $"{seen.Pid}\n");
            var id = Cgroups.Inode(dir);
            using var probe = new ProcessVmProbe(new ProcessVmOptions { Filter = ProcessFilter.Cgroup(dir), AllocationThresholdBytes = MiB });
            var allocations = new Collector<ProcessVmEvent>();
            probe.Events.Subscribe(allocations);
            probe.Start();

            foreach (var command in "asb")
            {
                seen.Step(command);
                other.Step(command);
            }
            var entry = Assert.Single(probe.ReadSample().Processes);
            Assert.Equal(seen.Pid, entry.ProcessId);
            Assert.Equal((100 * MiB, 32 * MiB, 16 * MiB), (entry.AnonymousPrivate.CurrentBytes, entry.Shared.CurrentBytes, entry.Brk.CurrentBytes));
            Assert.NotNull(allocations.WaitFor(a => a.Kind == ProcessVmKind.Brk, TimeSpan.FromSeconds(2)));
            Assert.Equal(3, allocations.Items.Count);
            Assert.All(allocations.Items, a => Assert.Equal((seen.Pid, id), (a.ProcessId, a.CgroupId)));
            seen.Quit();
            other.Quit();
        }
        finally
        {
            Cgroups.Remove(dir);
        }
    }
}
