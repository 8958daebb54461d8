using System.Text;
using Microsoft.Extensions.Logging;

namespace XMonitor.Bpf.Probes.FsLatency;

/// <summary>
/// The file-system latency probe (BCC's nfsdist and nfsslower, for any file-system type): per file
/// system and operation (read, write, open, fsync, getattr) log2 latency histograms in microseconds
/// and counters, and a record per call slower than a threshold, for the mounts of one type (NFS by
/// default). Where the kernel has them it hooks the NFS client's operations with fentry/fexit or
/// kprobes (NFS only: the time NFS itself takes); otherwise, and for every other type, the syscall
/// tracepoints, finding each call's file system through the task's file table (the time of the
/// whole call, VFS and page cache included). <see cref="Probe.AttachStrategy"/> says which.
/// </summary>
/// <remarks>
/// Subscribe to <see cref="Samples"/> and <see cref="Events"/>, then <see cref="Probe.Start"/>. The
/// mounts of the type are in <see cref="Mounts"/>. The programs are attached only while one exists:
/// without any the probe still runs (and logs a warning) but hooks nothing, so every other read and
/// write of the machine pays nothing for it; it checks the mount table every interval, attaches when
/// a mount of the type appears and detaches when the last one goes away. Readings are published
/// every <see cref="SampledProbeOptions.Interval"/> once the first call was seen: a probe with nothing to
/// watch emits nothing. Disposing detaches every program, publishes a last reading for the partial
/// interval and completes the observables. A probe starts once.
/// </remarks>
public sealed class FsLatencyProbe : Probe<FsLatencyOptions>, ISampledProbe<FsLatencySample>, IEventProbe<SlowFsOperationEvent>
{
    /// <summary>The open of NFSv4 files, hooked besides nfs_file_open (NFSv2/3) by the function strategies.</summary>
    private const string Nfs4OpenFunction = "nfs4_file_open";

    private const int TypeNameSize = 16;

    // Super block magic numbers (include/uapi/linux/magic.h): a cheap first test in the kernel
    // before the type name is compared. Types not listed are matched by name alone.
    private static readonly Dictionary<string, ulong> Magic = new(StringComparer.Ordinal)
    {
        ["nfs"] = 0x6969,
        ["nfs4"] = 0x6969,
        ["ext2"] = 0xEF53,
        ["ext3"] = 0xEF53,
        ["ext4"] = 0xEF53,
        ["tmpfs"] = 0x01021994,
        ["xfs"] = 0x58465342,
        ["btrfs"] = 0x9123683E,
    };

    private readonly ObservableBroadcaster<FsLatencySample> _latency;
    private readonly ObservableBroadcaster<SlowFsOperationEvent> _slow;
    private readonly Dictionary<FslatencySkeleton.FslatencyKey, (Log2Histogram Latency, FsCounters Counters)> _previous = [];
    private readonly RingBufferRecordHandler<FslatencySkeleton.FslatencyEvent> _onEvent;
    private readonly Dictionary<uint, FileSystemMount> _seenMounts = [];
    private IReadOnlyList<FileSystemMount> _mounts = [];
    private FslatencySkeleton? _skeleton;
    private SwitchableLinks? _links;

    /// <summary>Creates a probe with a copy of <paramref name="options"/>; nothing touches the kernel before <see cref="Probe.Start"/>.</summary>
    public FsLatencyProbe(FsLatencyOptions options, ILogger<FsLatencyProbe>? logger = null)
        : base(options, "fs_latency", "file-system latency probe", logger)
    {
        _latency = CreateStream<FsLatencySample>();
        _slow = CreateStream<SlowFsOperationEvent>();
        _onEvent = OnEvent;
    }

    /// <summary>
    /// The file systems of the selected type mounted (one per device) when the probe started, or when
    /// it last found the mounts changed (it checks every interval); empty before start, and when there
    /// is none (for NFS on a machine without NFS mounts).
    /// </summary>
    public IReadOnlyList<FileSystemMount> Mounts => _mounts;

    /// <inheritdoc/>
    private protected override string? RunningNote
        => _mounts.Count == 0 ? $"no {Settings.FileSystemType} file system is mounted: nothing to measure until one is" : null;

    /// <summary>The histograms and counters per file system and operation, every <see cref="SampledProbeOptions.Interval"/> once a call was seen, and once more on dispose.</summary>
    public IObservable<FsLatencySample> Samples => _latency;

    /// <summary>Calls that took at least <see cref="FsLatencyOptions.SlowThreshold"/>, as they return (none when the threshold is zero).</summary>
    public IObservable<SlowFsOperationEvent> Events => _slow;

    /// <summary>Records the kernel could not write because the ring buffer was full (readers too slow); 0 when not running.</summary>
    public ulong DroppedEvents => WithSession(() => _skeleton!.EventsDropped, 0UL);

    private bool Selects(string type) => Settings.FileSystemType == FsLatencyOptions.Nfs ? type is "nfs" or "nfs4" : type == Settings.FileSystemType;

    private protected override ProbeSession Attach()
    {
        var (session, _, choice) = Candidates().Attach(AttachWith);
        StrategyChoice = choice;
        Logger.LogInformation(
            "File-system latency probe loaded for {Strategy} for {Type}; filter: {Filter}; slow-operation threshold {Threshold}",
            choice, Settings.FileSystemType, Settings.Filter, Settings.SlowThreshold);
        if (_mounts.Count == 0)
            Logger.LogWarning("File-system latency probe: no {Type} mount exists; nothing to report until one is mounted (nothing attached until then)", Settings.FileSystemType);
        else
            Logger.LogInformation("File-system latency probe: programs attached, watching {Mounts}", string.Join("; ", _mounts));
        return session;
    }

    private ProbeSession AttachWith(BpfAttachKind strategy)
    {
        var mounts = MountTable.Read(Selects);
        var hierarchy = Settings.Filter.Kind == ProcessFilterKind.Cgroup ? Settings.Filter.Hierarchy : CgroupHierarchy.Unified;

        BpfRingBuffer<FslatencySkeleton.FslatencyEvent>? ring = null;
        SwitchableLinks? links = null;
        try
        {
            using (var open = FslatencySkeleton.Open())
            {
                // "nfs" covers nfs and nfs4, which share the magic: no name to compare then.
                open.FsMagic = Magic.GetValueOrDefault(Settings.FileSystemType);
                var type = open.FsType;
                type.Clear();
                if (Settings.FileSystemType != FsLatencyOptions.Nfs)
                    Encoding.UTF8.GetBytes(Settings.FileSystemType, type[..(TypeNameSize - 1)]);
                open.SlowMinNs = (ulong)Settings.SlowThreshold.Ticks * 100;
                open.XmFilterKind = (FslatencySkeleton.XmFilterKindEnum)Settings.Filter.Kind;
                open.XmFilterValue = Settings.Filter.Value;
                open.XmCgroupMemcgV1 = hierarchy == CgroupHierarchy.MemoryV1;
                // Only the function strategies hook nfs4_file_open: the tracepoints need no kallsyms read.
                var nfs4 = strategy != BpfAttachKind.Tracepoint && Nfs4ModuleLoaded();
                foreach (var (programStrategy, program) in ProgramsByStrategy(open))
                {
                    program.Autoload = programStrategy == strategy
                        && (strategy != BpfAttachKind.Tracepoint || TracepointExists(program.SectionName))
                        && (nfs4 || !program.SectionName.EndsWith("/" + Nfs4OpenFunction, StringComparison.Ordinal));
                }
                _skeleton = open.Load();
            }
            // Exits first (and detached last), so that every call an entry program saves meets its exit.
            links = new SwitchableLinks([.. _skeleton.Object.Programs.Where(p => p.IsLoaded).OrderBy(p => IsExit(p) ? 0 : 1)]);
            Learn(mounts);
            if (mounts.Count > 0)
                links.Attach();
            if (Settings.SlowThreshold > TimeSpan.Zero)
                ring = _skeleton.OpenEventsReader();
        }
        catch
        {
            ProbeSession.ReleaseFailedAttach((IEnumerable<BpfLink>?)links ?? [], _skeleton);
            throw;
        }

        _links = links;
        StartInterval();
        var skeleton = _skeleton;
        return ProbeSession.WithEvents(links, skeleton, PublishLatency, ring, _onEvent, [.. skeleton.Object.Programs.Where(p => p.IsLoaded)],
            () => LogDroppedRecords(skeleton.EventsDropped, "slow-operation records"));
    }

    /// <summary>Every program with the strategy it belongs to.</summary>
    private static IEnumerable<(BpfAttachKind, OpenBpfProgram)> ProgramsByStrategy(OpenFslatencySkeleton o)
    {
        OpenBpfProgram[] tracepoints =
        [
            o.TpSysEnterReadProgram, o.TpSysEnterPread64Program, o.TpSysEnterWriteProgram, o.TpSysEnterPwrite64Program,
            o.TpSysEnterFsyncProgram, o.TpSysEnterFdatasyncProgram, o.TpSysEnterNewfstatProgram, o.TpSysEnterOpenatProgram,
            o.TpSysEnterOpenProgram, o.TpSysEnterNewfstatatProgram, o.TpSysEnterStatxProgram,
            o.TpSysExitReadProgram, o.TpSysExitPread64Program, o.TpSysExitWriteProgram, o.TpSysExitPwrite64Program,
            o.TpSysExitFsyncProgram, o.TpSysExitFdatasyncProgram, o.TpSysExitNewfstatProgram, o.TpSysExitOpenatProgram,
            o.TpSysExitOpenProgram, o.TpSysExitNewfstatatProgram, o.TpSysExitStatxProgram,
        ];
        OpenBpfProgram[] kprobes =
        [
            o.KprobeNfsFileReadProgram, o.KretprobeNfsFileReadProgram, o.KprobeNfsFileWriteProgram, o.KretprobeNfsFileWriteProgram,
            o.KprobeNfsFileOpenProgram, o.KretprobeNfsFileOpenProgram, o.KprobeNfs4FileOpenProgram, o.KretprobeNfs4FileOpenProgram,
            o.KprobeNfsFileFsyncProgram, o.KretprobeNfsFileFsyncProgram,
            o.KprobeNfsGetattrProgram, o.KretprobeNfsGetattrProgram,
        ];
        OpenBpfProgram[] fentries =
        [
            o.FentryNfsFileReadProgram, o.FexitNfsFileReadProgram, o.FentryNfsFileWriteProgram, o.FexitNfsFileWriteProgram,
            o.FentryNfsFileOpenProgram, o.FexitNfsFileOpenProgram, o.FentryNfs4FileOpenProgram, o.FexitNfs4FileOpenProgram,
            o.FentryNfsFileFsyncProgram, o.FexitNfsFileFsyncProgram,
            o.FentryNfsGetattrProgram, o.FexitNfsGetattrProgram,
        ];
        return tracepoints.Select(p => (BpfAttachKind.Tracepoint, p))
            .Concat(kprobes.Select(p => (BpfAttachKind.Kprobe, p)))
            .Concat(fentries.Select(p => (BpfAttachKind.Fentry, p)));
    }

    /// <summary>
    /// Whether the syscall tracepoint of a <c>tp/syscalls/...</c> section exists: open and newfstat
    /// are x86-64 (and a few other architectures') syscalls only, and their programs are left out elsewhere.
    /// </summary>
    private static bool TracepointExists(string section) => KernelFeatures.TracepointExists(section["tp/".Length..]) ?? false;

    private BpfAttachChooser<BpfAttachKind> Candidates()
    {
        if (Settings.AttachStrategy is null && !Settings.IsNfs)
        {
            KernelFeatures.Require(KernelFeature.Tracepoint, Description);
            var tracepoints = new BpfAttachChooser<BpfAttachKind>(Description, Logger);
            tracepoints.Offer(BpfAttachKind.Tracepoint, BpfAttachKind.Tracepoint, $"the function strategies are for NFS only, not {Settings.FileSystemType}");
            return tracepoints;
        }
        return BpfAttachChooser<BpfAttachKind>.ForStrategies(Description, Logger, Settings.AttachStrategy, Settings.SupportedStrategies,
            s => s == BpfAttachKind.Fentry && !NfsModuleLoaded() ? "the nfs module is not loaded, and fentry finds its functions in the module's BTF" : null);
    }

    /// <summary>
    /// Whether NFSv4's open (in module nfsv4, loaded with the first NFSv4 mount) can be hooked now. A
    /// function strategy started before the module was loaded does not see NFSv4 opens until it restarts.
    /// </summary>
    private static bool Nfs4ModuleLoaded() => Directory.Exists("/sys/module/nfsv4") || KernelSymbols.SelectExisting([Nfs4OpenFunction]).Count > 0;

    /// <summary>fentry finds nfs_file_read and the others in the nfs module's BTF, so the module must be there (or built in).</summary>
    private static bool NfsModuleLoaded() => File.Exists("/sys/kernel/btf/nfs") || Directory.Exists("/sys/module/nfs");

    /// <summary>
    /// Takes <paramref name="mounts"/> as the current ones. stat(path) is attributed by its st_dev
    /// alone: the kernel side knows a device only once it resolved a file there, or from fs_devs.
    /// </summary>
    private void Learn(IReadOnlyList<FileSystemMount> mounts)
    {
        foreach (var mount in mounts)
        {
            if (_seenMounts.TryAdd(mount.KernelDevice, mount))
                _skeleton!.FsDevsMap.Update(mount.KernelDevice, Magic.GetValueOrDefault(Settings.FileSystemType));
        }
        _mounts = mounts;
    }

    /// <summary>Attaches the programs when the first mount of the type appeared, detaches them when the last went away.</summary>
    private void FollowMounts()
    {
        var mounts = MountTable.Read(Selects);
        if (!mounts.SequenceEqual(_mounts))
            Learn(mounts);
        var links = _links!;
        if (mounts.Count > 0 && !links.IsAttached)
        {
            ForgetCallsInFlight();
            links.Attach();
            Logger.LogInformation("File-system latency probe: {Type} mounted, programs attached, watching {Mounts}", Settings.FileSystemType, string.Join("; ", mounts));
        }
        else if (mounts.Count == 0 && links.IsAttached)
        {
            links.Detach();
            Logger.LogInformation("File-system latency probe: no {Type} mount left, programs detached until one is mounted", Settings.FileSystemType);
        }
    }

    /// <summary>
    /// Empties the calls whose exit was not seen before the programs were detached (a read that
    /// was blocked then): while the kernel counts calls in flight, every exit looks its thread up.
    /// </summary>
    private void ForgetCallsInFlight()
    {
        var skeleton = _skeleton!;
        var threads = new List<uint>();
        foreach (var thread in skeleton.CallsMap.Keys)
            threads.Add(thread);
        foreach (var thread in threads)
            skeleton.CallsMap.Delete(thread);
        skeleton.CallsInFlight = 0;
    }

    private static bool IsExit(BpfProgram program) => program.Name.Contains("exit", StringComparison.Ordinal) || program.Name.StartsWith("kretprobe", StringComparison.Ordinal);

    private void PublishLatency()
    {
        // The last reading at stop must not attach anything again.
        if (IsRunning)
            FollowMounts();
        var reading = ReadLatency();
        if (reading.Operations.Count > 0)
            _latency.Publish(reading);
    }

    private FsLatencySample ReadLatency()
    {
        var interval = TakeInterval();
        var skeleton = _skeleton!;
        var empty = new Log2Histogram([], 0, HistogramUnit.Microseconds);
        IReadOnlyList<FileSystemMount>? current = null;

        var operations = new List<FsOperationLatency>();
        // Only lookups: the kernel's counters are never reset. Every key has its counters.
        foreach (var key in skeleton.OpStatsMap.Keys)
        {
            if (!skeleton.OpStatsMap.TryLookup(key, out var stats))
                continue;
            var counters = new FsCounters(stats.Ops, stats.Errors, stats.Bytes);
            var latency = skeleton.LatencyHistsMap.TryLookup(key, out var h) ? new Log2Histogram(h.Slots, h.Sum, HistogramUnit.Microseconds) : empty;
            var known = _previous.TryGetValue(key, out var earlier);
            _previous[key] = (latency, counters);
            uint major = key.Dev >> 20, minor = key.Dev & 0xfffff;
            // A file system mounted since the last check: look it up again, once per reading.
            var mount = _seenMounts.GetValueOrDefault(key.Dev)
                ?? (current ??= MountTable.Read(Selects)).FirstOrDefault(m => m.KernelDevice == key.Dev);
            operations.Add(new FsOperationLatency
            {
                Major = major,
                Minor = minor,
                Mount = mount,
                Operation = (FsOperation)key.Op,
                Latency = known ? latency.Subtract(earlier.Latency) : latency,
                LatencyCumulative = latency,
                Counters = known ? counters.Subtract(earlier.Counters) : counters,
                CountersCumulative = counters,
            });
        }
        operations.Sort((a, b) => a.Major != b.Major ? a.Major.CompareTo(b.Major)
            : a.Minor != b.Minor ? a.Minor.CompareTo(b.Minor)
            : a.Operation.CompareTo(b.Operation));
        return new FsLatencySample(DateTimeOffset.UtcNow, interval, operations);
    }

    private void OnEvent(ref readonly FslatencySkeleton.FslatencyEvent e)
    {
        if (!_slow.HasObservers)
            return;
        _slow.Publish(new SlowFsOperationEvent
        {
            Operation = (FsOperation)e.Op,
            FileName = e.File.ToString(),
            Inode = e.Ino,
            Major = e.Dev >> 20,
            Minor = e.Dev & 0xfffff,
            Result = e.Ret,
            RequestedBytes = e.Size,
            LatencyNanoseconds = e.LatencyNs,
            ProcessId = (int)e.Pid,
            ThreadId = (int)e.Tid,
            Command = e.Comm.ToString(),
            Timestamp = DateTimeOffset.UtcNow,
        });
    }

}
