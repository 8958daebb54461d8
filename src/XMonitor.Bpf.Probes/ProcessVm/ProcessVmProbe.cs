using System.Diagnostics;
using Microsoft.Extensions.Logging;
using XMonitor.Bpf.Btf;

namespace XMonitor.Bpf.Probes.ProcessVm;

/// <summary>
/// The process address-space probe: per process, the bytes of private-anonymous, shared and brk-heap
/// address space currently mapped, with totals allocated and freed, published every
/// <see cref="SampledProbeOptions.Interval"/>; and optionally a record of each single allocation above a
/// size threshold. mmap and munmap are hooked with the syscall tracepoints, fentry or kprobes
/// (<see cref="Probe.AttachStrategy"/>); mremap, brk, exec and exit with tracepoints.
/// </summary>
/// <remarks>
/// <para>
/// Only what happens while the probe runs counts: mappings made before it started, or inherited
/// through fork, are never added, and their removal goes to <see cref="ProcessVmProcess.UntrackedFreedBytes"/>.
/// These are address-space figures (what <c>VmSize</c> and <c>VmData</c> count), not resident memory.
/// Private file mappings (program text, libraries) are not counted; the syscall tracepoints do not
/// see shm segments (<c>shmat</c>) or mappings the kernel makes itself, which fentry and kprobes do.
/// A process is forgotten, in the kernel, when its last thread exits; exec frees everything it had.
/// </para>
/// <para>
/// Subscribe to <see cref="Samples"/> and <see cref="Events"/>, then <see cref="Probe.Start"/>.
/// Disposing detaches every program, publishes a last sample and completes the observables. A probe
/// starts once.
/// </para>
/// </remarks>
public sealed class ProcessVmProbe : Probe<ProcessVmOptions>, ISampledProbe<ProcessVmSample>, IEventProbe<ProcessVmEvent>
{
    private const int BpfFuncFindVma = 180;
    private static readonly string[] HookedFunctions = ["do_mmap", "__vm_munmap"];

    private readonly ObservableBroadcaster<ProcessVmSample> _samples;
    private readonly ObservableBroadcaster<ProcessVmEvent> _allocations;
    private readonly RingBufferRecordHandler<ProcessvmSkeleton.ProcessvmEvent> _onEvent;
    private ProcessvmSkeleton? _skeleton;
    private long _lastPublished;

    /// <summary>Creates a probe with a copy of <paramref name="options"/>; nothing touches the kernel before <see cref="Probe.Start"/>.</summary>
    public ProcessVmProbe(ProcessVmOptions options, ILogger<ProcessVmProbe>? logger = null)
        : base(options, "process_vm", "process VM probe", logger)
    {
        _samples = CreateStream<ProcessVmSample>();
        _allocations = CreateStream<ProcessVmEvent>();
        _onEvent = OnEvent;
    }

    /// <summary>Whether unmapped ranges are classified by looking the process's VMAs up (true) or from the mappings the probe remembered (false); null before <see cref="Probe.Start"/>.</summary>
    public bool? UsesVmaLookup { get; private set; }

    /// <summary>The figures of every recorded process, every <see cref="SampledProbeOptions.Interval"/> and once more on dispose.</summary>
    public IObservable<ProcessVmSample> Samples => _samples;

    /// <summary>Single allocations of at least <see cref="ProcessVmOptions.AllocationThresholdBytes"/> (none when it is 0).</summary>
    public IObservable<ProcessVmEvent> Events => _allocations;

    /// <summary>Allocation records the kernel could not write because the ring buffer was full; 0 before start.</summary>
    public ulong DroppedEvents => WithKernelObjects(() => _skeleton!.EventsDropped, 0UL);

    /// <summary>
    /// Reads the figures now, outside the interval: the same content a published sample has, with
    /// <see cref="ProcessVmSample.Interval"/> the time since the last published sample.
    /// </summary>
    /// <exception cref="InvalidOperationException">The probe is not running.</exception>
    public ProcessVmSample ReadSample() => WithRunningSession(() => ReadStats(Stopwatch.GetTimestamp()));

    private protected override ProbeSession Attach()
    {

        var (session, (strategy, vmaLookup), choice) = Candidates().Attach(plan => AttachWith(plan.Strategy, plan.VmaLookup));
        StrategyChoice = choice;
        UsesVmaLookup = vmaLookup;
        Logger.LogInformation(
            "Process VM probe attached: mmap/munmap with {Strategy}, unmaps classified by {Classification}; filter: {Filter}; sample every {Interval}; allocation events {Events}",
            choice, vmaLookup ? "VMA lookup" : "remembered ranges", Settings.Filter, Settings.Interval,
            Settings.AllocationThresholdBytes > 0 ? $"from {Settings.AllocationThresholdBytes} bytes" : "off");
        return session;
    }

    private ProbeSession AttachWith(BpfAttachKind strategy, bool vmaLookup)
    {
        var links = new List<BpfLink>();
        BpfRingBuffer<ProcessvmSkeleton.ProcessvmEvent>? ring = null;
        try
        {
            LoadAndAttach(strategy, vmaLookup, links);
            if (Settings.AllocationThresholdBytes > 0)
                ring = _skeleton!.OpenEventsReader();
        }
        catch
        {
            ProbeSession.ReleaseFailedAttach(links, _skeleton);
            throw;
        }
        _lastPublished = Stopwatch.GetTimestamp();
        var skeleton = _skeleton!;
        return ProbeSession.WithEvents(links, skeleton, PublishSample, ring, _onEvent, skeleton.Object.Programs,
            () => LogDroppedRecords(skeleton.EventsDropped, "allocation records"));
    }

    private BpfAttachChooser<(BpfAttachKind Strategy, bool VmaLookup)> Candidates()
    {
        // mremap, brk, exit and exec are tracepoints in every set.
        KernelFeatures.Require(KernelFeature.Tracepoint, Description);
        var findVma = KernelFeatures.IsHelperSupported(BpfProgramType.Tracepoint, BpfFuncFindVma);
        var candidates = new BpfAttachChooser<(BpfAttachKind, bool)>(Description, Logger);
        if (Settings.AttachStrategy is { } forced)
        {
            if (forced == BpfAttachKind.Tracepoint)
            {
                var lookup = Settings.VmaLookup ?? findVma;
                if (lookup && !findVma)
                    throw new BpfNotSupportedException(Description, "bpf_find_vma (kernel 5.17+)", detail: "VmaLookup needs it; set VmaLookup = false to classify unmaps from remembered ranges");
                candidates.Force((forced, lookup), forced);
                return candidates;
            }
            KernelFeatures.Require(forced.RequiredFeature(), Description);
            // fexit reads the return value with bpf_get_func_ret, which came with bpf_find_vma in 5.17.
            if (forced == BpfAttachKind.Fentry && !findVma)
                throw new BpfNotSupportedException(Description, "fexit with bpf_get_func_ret (kernel 5.17+)", detail: "use the kprobe or tp strategy on this kernel");
            if (MissingFunction(forced) is { } missing)
                throw new BpfNotSupportedException(Description, $"{forced.SectionPrefix()}/{missing}", detail: $"the kernel has no hookable {missing} (inlined or renamed)");
            candidates.Force((forced, false), forced);
            return candidates;
        }
        if (Settings.VmaLookup != false && findVma)
            candidates.Offer((BpfAttachKind.Tracepoint, true), BpfAttachKind.Tracepoint, "the kernel has bpf_find_vma: syscall tracepoints with VMA lookup are the cheapest exact choice", "tp+find_vma");
        else if (Settings.VmaLookup == true)
            throw new BpfNotSupportedException(Description, "bpf_find_vma (kernel 5.17+)", detail: "VmaLookup needs it; set VmaLookup = false or leave it unset");
        else
            candidates.NotOffered("tp+find_vma", findVma ? "VMA lookup turned off" : "no bpf_find_vma (before 5.17)");
        if (Settings.VmaLookup == true)
            return candidates;
        // Without VMA lookup every strategy costs the same range walks; fentry (which needs 5.17
        // anyway) is out, and kprobes see the kernel's own mappings (shmat) that syscalls do not.
        if (KernelFeatures.Check(KernelFeature.Kprobe) is { IsSupported: false } kprobe)
            candidates.NotOffered("kprobe", kprobe.Reason);
        else if (MissingFunction(BpfAttachKind.Kprobe) is { } missing)
            candidates.NotOffered("kprobe", $"no kprobe on {missing}");
        else
            candidates.Offer((BpfAttachKind.Kprobe, false), BpfAttachKind.Kprobe, "kprobes on do_mmap and __vm_munmap also see the kernel's own mappings");
        candidates.Offer((BpfAttachKind.Tracepoint, false), BpfAttachKind.Tracepoint, "syscall tracepoints with remembered ranges");
        return candidates;
    }

    /// <summary>The first hooked function the strategy cannot attach to: fentry needs its BTF, a kprobe its symbol.</summary>
    private static string? MissingFunction(BpfAttachKind strategy)
    {
        if (strategy == BpfAttachKind.Fentry)
        {
            using var btf = KernelBtf.Open();
            return HookedFunctions.FirstOrDefault(f => !btf.TryFindType(f, BtfKind.Func, out _));
        }
        var symbols = KernelSymbols.SelectExisting(HookedFunctions);
        return HookedFunctions.FirstOrDefault(f => !symbols.Contains(f));
    }

    private void LoadAndAttach(BpfAttachKind strategy, bool vmaLookup, List<BpfLink> links)
    {
        var hierarchy = Settings.Filter.Kind == ProcessFilterKind.Cgroup ? Settings.Filter.Hierarchy : CgroupHierarchy.Unified;
        var tp = strategy == BpfAttachKind.Tracepoint;
        var kprobe = strategy == BpfAttachKind.Kprobe;
        var fentry = strategy == BpfAttachKind.Fentry;
        using (var open = ProcessvmSkeleton.Open())
        {
            open.PageSize = (ulong)Environment.SystemPageSize;
            open.EventMinBytes = Settings.AllocationThresholdBytes;
            open.VmaLookup = vmaLookup;
            // The public enum carries the C enum's values.
            open.XmFilterKind = (ProcessvmSkeleton.XmFilterKindEnum)Settings.Filter.Kind;
            open.XmFilterValue = Settings.Filter.Value;
            open.XmCgroupMemcgV1 = hierarchy == CgroupHierarchy.MemoryV1;
            open.ProcStatsMap.MaxEntries = Settings.MaxProcesses;
            // VMA lookup never touches the range map: keep it at the smallest size a map may have.
            open.VmRangesMap.MaxEntries = vmaLookup ? 1 : Settings.MaxRanges;
            open.TpSysEnterMmapProgram.Autoload = tp;
            open.TpSysExitMmapProgram.Autoload = tp;
            open.TpSysEnterMunmapProgram.Autoload = tp;
            open.TpSysExitMunmapProgram.Autoload = tp;
            open.KprobeDoMmapProgram.Autoload = kprobe;
            open.KretprobeDoMmapProgram.Autoload = kprobe;
            open.KprobeVmMunmapProgram.Autoload = kprobe;
            open.KretprobeVmMunmapProgram.Autoload = kprobe;
            open.FentryDoMmapProgram.Autoload = fentry;
            open.FexitDoMmapProgram.Autoload = fentry;
            open.FentryVmMunmapProgram.Autoload = fentry;
            open.FexitVmMunmapProgram.Autoload = fentry;
            _skeleton = open.Load();
        }
        var s = _skeleton;
        BpfProgram[] mapUnmap = strategy switch
        {
            BpfAttachKind.Kprobe => [s.KprobeDoMmapProgram, s.KretprobeDoMmapProgram, s.KprobeVmMunmapProgram, s.KretprobeVmMunmapProgram],
            BpfAttachKind.Fentry => [s.FentryDoMmapProgram, s.FexitDoMmapProgram, s.FentryVmMunmapProgram, s.FexitVmMunmapProgram],
            _ => [s.TpSysEnterMmapProgram, s.TpSysExitMmapProgram, s.TpSysEnterMunmapProgram, s.TpSysExitMunmapProgram],
        };
        // Exit and exec first, so that no process gets figures that its end would not remove.
        BpfProgram[] programs =
        [
            s.TpSchedProcessExitProgram, s.TpSchedProcessExecProgram, .. mapUnmap,
            s.TpSysEnterMremapProgram, s.TpSysExitMremapProgram, s.TpSysEnterBrkProgram, s.TpSysExitBrkProgram,
        ];
        foreach (var program in programs)
            links.Add(program.Attach());
    }

    private void PublishSample()
    {
        var now = Stopwatch.GetTimestamp();
        var sample = ReadStats(now);
        _lastPublished = now;
        _samples.Publish(sample);
    }

    private ProcessVmSample ReadStats(long now)
    {
        var processes = new List<ProcessVmProcess>();
        var map = _skeleton!.ProcStatsMap;
        // Only lookups: the kernel deletes a process's entry when it exits.
        foreach (var tgid in map.Keys)
        {
            if (!map.TryLookup(tgid, out var st))
                continue;
            processes.Add(new ProcessVmProcess
            {
                ProcessId = (int)tgid,
                Command = st.Comm.ToString(),
                AnonymousPrivate = Counters(st.AnonPrivate),
                Shared = Counters(st.Shared),
                Brk = Counters(st.Brk),
                UntrackedFreedBytes = st.UntrackedFreedBytes,
                RangesDropped = st.RangesDropped,
            });
        }
        processes.Sort((a, b) => a.ProcessId.CompareTo(b.ProcessId));
        return new ProcessVmSample(DateTimeOffset.UtcNow, Stopwatch.GetElapsedTime(_lastPublished, now), processes);
    }

    private static ProcessVmCounters Counters(in ProcessvmSkeleton.ProcessvmKindStats k) => new(k.CurrentBytes, k.AllocatedBytes, k.FreedBytes);

    private void OnEvent(ref readonly ProcessvmSkeleton.ProcessvmEvent e)
    {
        if (!_allocations.HasObservers)
            return;
        _allocations.Publish(new ProcessVmEvent
        {
            ThreadId = (int)e.Pid,
            ProcessId = (int)e.Tgid,
            Command = e.Comm.ToString(),
            CgroupId = e.CgroupId,
            // The public enums carry the C enums' values (a test compares them with the skeleton).
            Operation = (ProcessVmOperation)e.Op,
            Kind = (ProcessVmKind)e.Kind,
            Address = e.Addr,
            LengthBytes = e.Len,
            Timestamp = DateTimeOffset.UtcNow,
        });
    }

}
