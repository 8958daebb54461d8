using XMonitor.Bpf.Probes.ProcessVm;

namespace XMonitor.Bpf.Probes.Tests;

/// <summary>
/// A process maps 100 MiB private-anonymous, 32 MiB shared, grows brk by 16 MiB, then frees half of
/// each; after every step the probe's figures are compared with what the process did and with its
/// own /proc/PID/status and smaps.
/// </summary>
public sealed class ProcessVmTests(ITestOutputHelper output)
{
    private const ulong MiB = 1UL << 20;
    private static readonly ulong Page = (ulong)Environment.SystemPageSize;

    private static readonly (char Command, ProcessVmKind Kind, long MiBs)[] Steps =
    [
        ('a', ProcessVmKind.AnonymousPrivate, 100),
        ('s', ProcessVmKind.Shared, 32),
        ('b', ProcessVmKind.Brk, 16),
        ('A', ProcessVmKind.AnonymousPrivate, -50),
        ('S', ProcessVmKind.Shared, -16),
        ('B', ProcessVmKind.Brk, -8),
    ];

    /// <summary>Tracepoints with and without VMA lookup (the kernel's choice), then each function strategy forced where the kernel offers it.</summary>
    public static TheoryData<bool, BpfAttachKind?> Cases => new()
    {
        { true, null },
        { false, null },
        { false, BpfAttachKind.Kprobe },
        { false, BpfAttachKind.Fentry },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void APidsFiguresMatchWhatItDidAndItsOwnProcView(bool vmaLookup, BpfAttachKind? forced)
    {
        BpfEnvironment.Require();
        if (forced is { } required && !KernelStrategies.Offers(required))
            Assert.Skip($"the kernel does not offer {required.SectionPrefix()}");
        // do_mmap takes 7 arguments; x86 BPF trampolines take more than 6 only from 6.6 on.
        if (forced == BpfAttachKind.Fentry && Environment.OSVersion.Version < new Version(6, 6))
            Assert.Skip("fentry on do_mmap needs trampolines with more than 6 arguments (6.6+)");
        using var seen = new VmStepper();
        using var other = new VmStepper();
        using var probe = new ProcessVmProbe(new ProcessVmOptions
        {
            Filter = ProcessFilter.Pid(seen.Pid),
            VmaLookup = vmaLookup,
            AttachStrategy = forced,
            Interval = TimeSpan.FromMilliseconds(50),
            AllocationThresholdBytes = 8 * MiB,
        });
        var samples = new Collector<ProcessVmSample>();
        var allocations = new Collector<ProcessVmEvent>();
        probe.Samples.Subscribe(samples);
        probe.Events.Subscribe(allocations);
        probe.Start();
        // Without VMA lookup, kprobes where the kernel has them (they cost the same range walks).
        var strategy = forced ?? (vmaLookup ? BpfAttachKind.Tracepoint : KernelStrategies.FirstOffered(BpfAttachKind.Kprobe, BpfAttachKind.Tracepoint));
        Assert.Equal(strategy, probe.AttachStrategy);
        Assert.Equal(vmaLookup, probe.UsesVmaLookup);
        var baseline = ProcMemory.Read(seen.Pid);
        Assert.Null(probe.ReadSample().Find(seen.Pid));

        var expected = new Dictionary<ProcessVmKind, (ulong Current, ulong Allocated, ulong Freed, int Operations)>
        {
            [ProcessVmKind.AnonymousPrivate] = default,
            [ProcessVmKind.Shared] = default,
            [ProcessVmKind.Brk] = default,
        };
        ulong anonAddress = 0, sharedAddress = 0, brkAddress = 0;
        var operations = 0;
        foreach (var (command, kind, mibs) in Steps)
        {
            var (address, length) = seen.Step(command);
            other.Step(command);
            Assert.Equal((ulong)Math.Abs(mibs) * MiB, length);
            if (command == 'a')
                anonAddress = address;
            else if (command == 's')
                sharedAddress = address;
            else if (command == 'b')
                brkAddress = address;
            var e = expected[kind];
            expected[kind] = mibs > 0
                ? (e.Current + length, e.Allocated + length, e.Freed, e.Operations + 1)
                : (e.Current - length, e.Allocated, e.Freed + length, e.Operations + 1);
            operations++;

            var entry = probe.ReadSample().Find(seen.Pid);
            var proc = ProcMemory.Read(seen.Pid);
            Assert.NotNull(entry);
            output.WriteLine(
                $"after {command}: probe anon {entry.AnonymousPrivate}, shared {entry.Shared}, brk {entry.Brk}, untracked {entry.UntrackedFreedBytes}; " +
                $"VmSize +{(long)(proc.VmSize - baseline.VmSize)}, VmData +{(long)(proc.VmData - baseline.VmData)}, smaps anon {proc.MappedIn(anonAddress, 100 * MiB, shared: false)}, " +
                $"shared {proc.MappedIn(sharedAddress, 32 * MiB, shared: true)}, heap +{(long)(proc.Heap - baseline.Heap)}");

            // The probe against what the process did: one page of slack per operation on that kind.
            foreach (var (k, want) in expected)
            {
                var got = entry[k];
                var slack = (ulong)want.Operations * Page;
                AssertNear(want.Current, got.CurrentBytes, slack, $"{k} current after {command}");
                AssertNear(want.Allocated, got.AllocatedBytes, slack, $"{k} allocated after {command}");
                AssertNear(want.Freed, got.FreedBytes, slack, $"{k} freed after {command}");
                Assert.Equal(got.AllocatedBytes - got.FreedBytes, got.CurrentBytes);
            }
            // The probe against the process's own view: VmSize counts every kind, VmData the private
            // writable ones (anonymous and heap, not shared), smaps the very regions.
            var opsSlack = (ulong)operations * Page;
            AssertNear(proc.VmSize - baseline.VmSize, entry.CurrentBytes, opsSlack, $"VmSize delta after {command}");
            AssertNear(proc.VmData - baseline.VmData, entry.AnonymousPrivate.CurrentBytes + entry.Brk.CurrentBytes, opsSlack, $"VmData delta after {command}");
            if (anonAddress != 0)
                AssertNear(proc.MappedIn(anonAddress, 100 * MiB, shared: false), entry.AnonymousPrivate.CurrentBytes, opsSlack, $"smaps anon after {command}");
            if (sharedAddress != 0)
                AssertNear(proc.MappedIn(sharedAddress, 32 * MiB, shared: true), entry.Shared.CurrentBytes, opsSlack, $"smaps shared after {command}");
            AssertNear(proc.Heap - baseline.Heap, entry.Brk.CurrentBytes, opsSlack, $"smaps [heap] delta after {command}");
            Assert.Equal(VmStepper.Command, entry.Command);
            Assert.Equal(0UL, entry.UntrackedFreedBytes);
            Assert.Equal(0UL, entry.RangesDropped);
        }

        // The other process did the same, but the pid filter kept it out, here and in every published sample.
        Assert.Equal([seen.Pid], probe.ReadSample().Processes.Select(p => p.ProcessId));
        Assert.NotNull(samples.WaitFor(s => s.Find(seen.Pid) is not null, TimeSpan.FromSeconds(2)));
        Assert.All(samples.Items.SelectMany(s => s.Processes), p => Assert.Equal(seen.Pid, p.ProcessId));

        // The three allocations of 8 MiB and more, and nothing of the other process.
        var seenAllocations = allocations.Items;
        Assert.Equal(3, seenAllocations.Count);
        Assert.All(seenAllocations, a => Assert.Equal((seen.Pid, seen.Pid, VmStepper.Command), (a.ProcessId, a.ThreadId, a.Command)));
        Assert.Contains(seenAllocations, a => a is { Operation: ProcessVmOperation.Mmap, Kind: ProcessVmKind.AnonymousPrivate } && a.Address == anonAddress && a.LengthBytes == 100 * MiB);
        Assert.Contains(seenAllocations, a => a is { Operation: ProcessVmOperation.Mmap, Kind: ProcessVmKind.Shared } && a.Address == sharedAddress && a.LengthBytes == 32 * MiB);
        Assert.Contains(seenAllocations, a => a is { Operation: ProcessVmOperation.Brk, Kind: ProcessVmKind.Brk } && a.Address == AlignUp(brkAddress) && a.LengthBytes == 16 * MiB);

        // Exited processes are forgotten by the kernel, before their parent can even reap them.
        seen.Quit();
        other.Quit();
        Assert.Null(probe.ReadSample().Find(seen.Pid));
        probe.Dispose();
        Assert.True(samples.IsCompleted);
        Assert.Empty(samples.Items[^1].Processes);
    }

    [Fact]
    public void WithoutAFilterEveryProcessIsSeenAndAnExitedOneDisappears()
    {
        BpfEnvironment.Require();
        using var stepper = new VmStepper();
        using var probe = new ProcessVmProbe(new ProcessVmOptions());
        probe.Start();

        stepper.Step('a');
        stepper.Step('s');
        var entry = probe.ReadSample().Find(stepper.Pid);
        Assert.NotNull(entry);
        Assert.Equal(100 * MiB, entry.AnonymousPrivate.CurrentBytes);
        Assert.Equal(32 * MiB, entry.Shared.CurrentBytes);

        stepper.Quit();
        Assert.Null(probe.ReadSample().Find(stepper.Pid));
    }

    [Fact]
    public void TheKernelSidesEnumsHaveThePublicValues()
    {
        Assert.Equal(
            Enum.GetValues<ProcessvmSkeleton.ProcessvmKind>().Select(v => ((int)v, v.ToString().Replace("AnonPrivate", "AnonymousPrivate"))),
            Enum.GetValues<ProcessVmKind>().Select(v => ((int)v, v.ToString())));
        Assert.Equal(
            Enum.GetValues<ProcessvmSkeleton.ProcessvmOp>().Select(v => ((int)v, v.ToString())),
            Enum.GetValues<ProcessVmOperation>().Select(v => ((int)v, v.ToString())));
        Assert.Equal(
            Enum.GetValues<ProcessvmSkeleton.XmFilterKindEnum>().Select(v => (int)v),
            Enum.GetValues<ProcessFilterKind>().Select(v => (int)v));
    }

    private static ulong AlignUp(ulong address) => (address + Page - 1) & ~(Page - 1);

    private static void AssertNear(ulong expected, ulong actual, ulong slack, string what)
        => Assert.True(
            (expected > actual ? expected - actual : actual - expected) <= slack,
            $"{what}: expected {expected} within {slack}, got {actual}");
}
