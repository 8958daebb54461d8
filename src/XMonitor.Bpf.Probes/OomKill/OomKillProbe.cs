using System.Numerics;
using Microsoft.Extensions.Logging;
using XMonitor.Bpf.Btf;

namespace XMonitor.Bpf.Probes.OomKill;

/// <summary>
/// The OOM kill probe: one <see cref="OomKillEvent"/> per process the kernel's OOM killer chooses,
/// with what it held, its memory cgroup, what ran out and who triggered it, and a count of kills per
/// memory cgroup. It hooks the <c>oom:mark_victim</c> tracepoint as a BTF raw tracepoint (tp_btf)
/// where the kernel passes the victim's task (6.8+), as a classic tracepoint (tp) otherwise
/// (<see cref="Probe.AttachStrategy"/>), and reads the kernel's decision in <c>oom_kill_process()</c>
/// with fentry or a kprobe where the kernel has them (<see cref="OomControlStrategy"/>).
/// </summary>
/// <remarks>
/// Subscribe to <see cref="Events"/>, then <see cref="Probe.Start"/>. Disposing detaches every program,
/// publishes what the ring buffer still holds and completes the observable. A probe starts once.
/// See <see cref="OomKillEvent"/> for which fields each strategy fills.
/// </remarks>
public sealed class OomKillProbe : Probe<OomKillOptions>, IEventProbe<OomKillEvent>
{
    private const string OomKillFunction = "oom_kill_process";

    private readonly ObservableBroadcaster<OomKillEvent> _kills;
    private readonly RingBufferRecordHandler<OomkillSkeleton.OomkillEvent> _onEvent;
    private OomkillSkeleton? _skeleton;
    private CgroupPathResolver? _paths;
    private IReadOnlyDictionary<ulong, ulong> _finalKills = new Dictionary<ulong, ulong>();

    /// <summary>Creates a probe with a copy of <paramref name="options"/>; nothing touches the kernel before <see cref="Probe.Start"/>.</summary>
    public OomKillProbe(OomKillOptions options, ILogger<OomKillProbe>? logger = null)
        : base(options, "oom_kill", "OOM kill probe", logger)
    {
        _kills = CreateStream<OomKillEvent>();
        _onEvent = OnEvent;
    }

    /// <summary>
    /// How <c>oom_kill_process()</c> is hooked to read the kernel's <c>oom_control</c>:
    /// <see cref="BpfAttachKind.Fentry"/>, <see cref="BpfAttachKind.Kprobe"/>, or null
    /// when the kernel offers neither (the constraint is then inferred) or before <see cref="Probe.Start"/>.
    /// </summary>
    public BpfAttachKind? OomControlStrategy { get; private set; }

    /// <summary>One event per OOM victim, as the reader thread sees the record (within milliseconds of the kill).</summary>
    public IObservable<OomKillEvent> Events => _kills;

    /// <summary>Records the kernel could not write because the ring buffer was full; 0 before start.</summary>
    public ulong DroppedEvents => WithKernelObjects(() => _skeleton!.EventsDropped, 0UL);

    /// <summary>
    /// OOM kills since the probe started, by the id of the victim's memory cgroup (key 0: the cgroup
    /// was unknown, see <see cref="OomKillEventSources.TracepointRecord"/>), counted in the kernel as
    /// each record is written (a record lost to a full ring buffer, <see cref="DroppedEvents"/>, is not
    /// counted). After dispose: the final counts.
    /// </summary>
    public IReadOnlyDictionary<ulong, ulong> GetKillsPerCgroup() => WithSession(ReadKills, _finalKills);

    private protected override ProbeSession Attach()
    {

        var paths = Settings.ResolveCgroupPaths ? CgroupPathResolver.MemoryController() : null;
        var (session, (_, control), choice) = Candidates().Attach(plan => AttachWith(plan.Victim, plan.Control));
        StrategyChoice = choice;
        OomControlStrategy = control;
        _paths = paths;
        Logger.LogInformation(
            "OOM kill probe attached: mark_victim and oom_kill_process() with {Strategy}; oom_kill_process() {Control}; memory cgroups under {Root}",
            choice, control is null ? "not hooked, constraint inferred" : "hooked", _paths?.Root ?? "(not resolved)");
        return session;
    }

    private ProbeSession AttachWith(BpfAttachKind victim, BpfAttachKind? control)
    {
        var links = new List<BpfLink>();
        BpfRingBuffer<OomkillSkeleton.OomkillEvent> ring;
        try
        {
            LoadAndAttach(victim, control, links);
            ring = _skeleton!.OpenEventsReader();
        }
        catch
        {
            ProbeSession.ReleaseFailedAttach(links, _skeleton);
            throw;
        }
        var skeleton = _skeleton;
        return ProbeSession.WithEvents(links, skeleton, publishInterval: null, ring, _onEvent, skeleton.Object.Programs, () =>
        {
            _finalKills = ReadKills();
            LogDroppedRecords(skeleton.EventsDropped, "kill records (the per-cgroup counts miss them too)");
        });
    }

    /// <summary>The kernel's BTF for the few checks below, or null without it (tp_btf and fentry then need not be tried).</summary>
    private static KernelBtf? OpenKernelBtf()
    {
        try
        {
            return KernelBtf.Open();
        }
        catch (BpfException)
        {
            return null;
        }
    }

    /// <summary>True when the kernel's mark_victim tracepoint passes the victim's task_struct (6.8+), which tp_btf needs.</summary>
    private static bool MarkVictimPassesTask(KernelBtf? btf)
    {
        // typedef void (*btf_trace_mark_victim)(void *, struct task_struct *, uid_t) on 6.8+; (void *, int) before.
        if (btf is null || !btf.TryFindType("btf_trace_mark_victim", BtfKind.Typedef, out var typedef))
            return false;
        var pointer = btf.Resolve(typedef);
        if (btf.GetKind(pointer) != BtfKind.Pointer)
            return false;
        var proto = btf.Resolve(btf.GetReferencedType(pointer));
        if (btf.GetKind(proto) != BtfKind.FuncProto || btf.GetParameterTypes(proto) is not { Count: >= 2 } parameters)
            return false;
        var task = btf.Resolve(parameters[1]);
        if (btf.GetKind(task) != BtfKind.Pointer)
            return false;
        var target = btf.Resolve(btf.GetReferencedType(task));
        return btf.GetKind(target) is BtfKind.Struct or BtfKind.Union && btf.GetName(target) == "task_struct";
    }

    /// <summary>
    /// Every pair of a mark_victim strategy and an oom_kill_process() hook (or none) the kernel offers,
    /// the hook varying fastest: a hook the kernel refuses falls back to the next hook, then to none.
    /// </summary>
    private BpfAttachChooser<(BpfAttachKind Victim, BpfAttachKind? Control)> Candidates()
    {
        using var btf = OpenKernelBtf();
        var candidates = new BpfAttachChooser<(BpfAttachKind, BpfAttachKind?)>(Description, Logger);
        var controls = ControlStrategies(btf, candidates);
        foreach (var (victim, victimWhy) in VictimStrategies(btf, candidates))
        {
            foreach (var (control, controlWhy) in controls)
            {
                var name = control is { } c ? $"{victim.SectionPrefix()}+{c.SectionPrefix()}" : victim.SectionPrefix();
                candidates.Offer((victim, control), victim, $"{victimWhy}; {controlWhy}", name);
            }
        }
        return candidates;
    }

    private List<(BpfAttachKind Strategy, string Why)> VictimStrategies(KernelBtf? btf, BpfAttachChooser<(BpfAttachKind, BpfAttachKind?)> candidates)
    {
        const string passesTask = "the kernel's mark_victim passes the victim's task_struct (6.8+)";
        if (Settings.AttachStrategy is { } forced)
        {
            KernelFeatures.Require(forced.RequiredFeature(), Description);
            if (forced == BpfAttachKind.BtfRawTracepoint && !MarkVictimPassesTask(btf))
                throw new BpfNotSupportedException(Description, "tp_btf/mark_victim with the victim's task_struct",
                    detail: "kernels before 6.8 pass only the pid to oom:mark_victim; use the tp strategy there");
            return [(forced, "forced by options")];
        }
        var victims = new List<(BpfAttachKind, string)>();
        if (!KernelFeatures.IsSupported(KernelFeature.BtfRawTracepoint))
            candidates.NotOffered("tp_btf", "the kernel lacks tp_btf");
        else if (!MarkVictimPassesTask(btf))
            candidates.NotOffered("tp_btf", "the kernel's mark_victim passes only the pid (before 6.8)");
        else
            victims.Add((BpfAttachKind.BtfRawTracepoint, passesTask));
        KernelFeatures.Require(KernelFeature.Tracepoint, Description);
        victims.Add((BpfAttachKind.Tracepoint, "mark_victim as a tracepoint"));
        return victims;
    }

    private List<(BpfAttachKind? Strategy, string Why)> ControlStrategies(KernelBtf? btf, BpfAttachChooser<(BpfAttachKind, BpfAttachKind?)> candidates)
    {
        if (Settings.OomControlStrategy is { } forced)
        {
            KernelFeatures.Require(forced.RequiredFeature(), Description);
            var (found, why) = HasOomKillFunction(forced, btf);
            if (!found)
                throw new BpfNotSupportedException(Description, $"{forced.SectionPrefix()}/{OomKillFunction}", detail: why);
            return [(forced, "oom_kill_process() hook forced by options")];
        }
        var controls = new List<(BpfAttachKind?, string)>();
        foreach (var strategy in OomKillOptions.OomControlStrategies)
        {
            var feature = KernelFeatures.Check(strategy.RequiredFeature());
            var (found, why) = feature.IsSupported ? HasOomKillFunction(strategy, btf) : (false, feature.Reason);
            if (found)
                controls.Add((strategy, $"oom_kill_process() with {strategy.SectionPrefix()}"));
            else
                candidates.NotOffered($"{strategy.SectionPrefix()} on {OomKillFunction}", why);
        }
        controls.Add((null, "oom_kill_process() not hooked, the constraint inferred"));
        return controls;
    }

    /// <summary>Whether the function can be hooked: fentry needs its BTF, a kprobe its symbol (it may be inlined or renamed by the compiler).</summary>
    private static (bool Found, string Why) HasOomKillFunction(BpfAttachKind strategy, KernelBtf? btf)
    {
        if (strategy == BpfAttachKind.Fentry)
            return btf is not null && btf.TryFindType(OomKillFunction, BtfKind.Func, out _)
                ? (true, "")
                : (false, $"the kernel's BTF has no function {OomKillFunction}");
        return KernelSymbols.SelectExisting([OomKillFunction]).Contains(OomKillFunction)
            ? (true, "")
            : (false, $"/proc/kallsyms has no {OomKillFunction} (inlined or renamed)");
    }

    private void LoadAndAttach(BpfAttachKind victim, BpfAttachKind? control, List<BpfLink> links)
    {
        using (var open = OomkillSkeleton.Open())
        {
            open.PageShift = (uint)BitOperations.Log2((uint)Environment.SystemPageSize);
            open.MemcgFullSlackPages = Settings.MemcgFullSlackPages;
            open.TpBtfMarkVictimProgram.Autoload = victim == BpfAttachKind.BtfRawTracepoint;
            open.TpMarkVictimProgram.Autoload = victim == BpfAttachKind.Tracepoint;
            open.FentryOomKillProcessProgram.Autoload = control == BpfAttachKind.Fentry;
            open.KprobeOomKillProcessProgram.Autoload = control == BpfAttachKind.Kprobe;
            _skeleton = open.Load();
        }
        // oom_kill_process() first: its facts must be saved before the mark_victim it leads to.
        if (control == BpfAttachKind.Fentry)
            links.Add(_skeleton.FentryOomKillProcessProgram.Attach());
        else if (control == BpfAttachKind.Kprobe)
            links.Add(_skeleton.KprobeOomKillProcessProgram.Attach());
        links.Add(victim == BpfAttachKind.BtfRawTracepoint
            ? _skeleton.TpBtfMarkVictimProgram.Attach()
            : _skeleton.TpMarkVictimProgram.Attach());
    }

    private Dictionary<ulong, ulong> ReadKills()
    {
        var counts = new Dictionary<ulong, ulong>();
        var map = _skeleton!.KillsPerMemcgMap;
        foreach (var key in map.Keys)
        {
            if (map.TryLookup(key, out var count))
                counts[key] = count;
        }
        return counts;
    }

    private void OnEvent(ref readonly OomkillSkeleton.OomkillEvent e)
    {
        var sources = (OomKillEventSources)e.Flags;
        var fromOomControl = (sources & OomKillEventSources.OomControl) != 0;
        var memcgName = e.MemcgName.ToString();
        _kills.Publish(new OomKillEvent
        {
            ThreadId = (int)e.Pid,
            ProcessId = (int)e.Tgid,
            Command = e.Comm.ToString(),
            UserId = e.Uid,
            OomScoreAdjust = e.OomScoreAdj,
            Points = fromOomControl ? e.Points : null,
            TotalPages = fromOomControl ? e.Totalpages : null,
            MemoryCgroupId = e.MemcgId,
            MemoryCgroupName = memcgName,
            MemoryCgroupPath = _paths?.FindDirectory(e.MemcgId, memcgName),
            // The kernel side's enum has the same values (checked by a test against the skeleton).
            Constraint = (OomConstraint)e.Constraint,
            OomMemoryCgroupId = e.OomMemcgId,
            OomMemoryCgroupPath = e.OomMemcgId == e.MemcgId
                ? _paths?.FindDirectory(e.MemcgId, memcgName)
                : _paths?.FindDirectory(e.OomMemcgId, null),
            MemoryCgroupLimitBytes = e.OomMemcgLimit,
            MemoryCgroupUsageBytes = e.OomMemcgUsage,
            TotalVmBytes = e.TotalVm,
            AnonRssBytes = e.AnonRss,
            FileRssBytes = e.FileRss,
            ShmemRssBytes = e.ShmemRss,
            SwapBytes = e.Swap,
            PageTableBytes = e.Pgtables,
            TriggerThreadId = (int)e.TriggerPid,
            TriggerProcessId = (int)e.TriggerTgid,
            TriggerCommand = e.TriggerComm.ToString(),
            Message = e.Message.ToString(),
            Sources = sources,
            KernelTimestampNanoseconds = e.TsNs,
            Timestamp = DateTimeOffset.UtcNow,
        });
    }
}
