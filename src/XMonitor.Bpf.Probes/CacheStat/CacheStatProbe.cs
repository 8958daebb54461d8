using System.Numerics;
using Microsoft.Extensions.Logging;

namespace XMonitor.Bpf.Probes.CacheStat;

/// <summary>
/// The CacheStat probe: page cache hits, misses and dirtied pages, system-wide and per process,
/// every <see cref="SampledProbeOptions.Interval"/>, as BCC's cachestat and cachetop count them.
/// </summary>
/// <remarks>
/// <para>Three attach strategies; the first the kernel offers is taken (or the forced one; unforced,
/// one that fails to load or attach is logged and the next one tried), and
/// <see cref="Probe.AttachStrategy"/>, <see cref="AttachTargets"/> and a log line say which:</para>
/// <list type="bullet">
/// <item><b>fentry</b> (<see cref="BpfAttachKind.Fentry"/>, kernels with BPF trampolines and folios, 5.16+):
/// <c>filemap_add_folio</c> counts added, <c>folio_mark_accessed</c> accessed,
/// <c>folio_account_dirtied</c> (or <c>__folio_mark_dirty</c> where it is inlined) dirtied,
/// <c>mark_buffer_dirty</c> buffer dirtied. One unit is one call: a page, or a whole folio.</item>
/// <item><b>kprobe</b> (<see cref="BpfAttachKind.Kprobe"/>, any kernel with kprobes): the same functions, or on
/// pre-folio kernels <c>add_to_page_cache_lru</c>, <c>mark_page_accessed</c>, <c>account_page_dirtied</c>;
/// the folio name is taken whenever it exists and never both, as newer kernels keep the page names as
/// wrappers. One unit is one call.</item>
/// <item><b>tracepoint</b> (<see cref="BpfAttachKind.BtfRawTracepoint"/>, tp_btf; for kernels without kprobes
/// and fentry): <c>filemap:mm_filemap_add_to_page_cache</c> counts added pages;
/// <c>filemap:mm_filemap_get_pages</c> the pages a read(2) asks for (once per request, clamped to
/// the end of the file) and <c>filemap:mm_filemap_fault</c> one page per fault count accessed;
/// <c>writeback:writeback_dirty_folio</c> counts dirtied pages; buffer dirtied stays 0, and
/// <c>filemap:mm_filemap_map_pages</c> fills <see cref="CacheStatCounters.FaultAround"/> only. One unit is
/// a page. Accesses are read-side only: writes to cached pages and mmap hits through fault-around are
/// not accesses here.</item>
/// </list>
/// <para>With every strategy the counts are derived as BCC does (<see cref="CacheStatCounts"/>):
/// <c>accesses = accessed - buffer_dirtied</c>, <c>misses = added - dirtied</c>,
/// <c>hits = accesses - misses</c>, clamped at 0, and <see cref="CacheStatCounts.HitRatio"/> is null
/// for an interval without accesses.</para>
/// <para>The kernel keeps cumulative counters, system-wide in a per-CPU array and per process (tgid)
/// in a hash map; they are read without deleting, and each sample holds the difference from the
/// previous read. A process whose <c>/proc/PID</c> is gone is read once more, reported with
/// <see cref="CacheStatProcess.HasExited"/>, and then deleted from the map, which keeps the map
/// (10,240 processes) from filling up. Process ids are the initial pid namespace's, so the probe
/// expects to see that namespace's <c>/proc</c>, as a monitoring agent does.</para>
/// <para>Subscribe to <see cref="Samples"/>, then <see cref="Probe.Start"/>. Disposing detaches every
/// program, publishes a last sample for the partial interval and completes the observable. A probe
/// starts once.</para>
/// </remarks>
public sealed class CacheStatProbe : Probe<CacheStatOptions>, ISampledProbe<CacheStatSample>
{
    private readonly ObservableBroadcaster<CacheStatSample> _samples;
    private readonly CacheStatAccumulator _accumulator;
    private CachestatSkeleton? _skeleton;
    private uint[] _keys = [];
    private CachestatSkeleton.CachestatValue[] _values = [];
    private CachestatSkeleton.CachestatCounters[] _perCpu = [];

    /// <summary>Creates a probe with a copy of <paramref name="options"/>; nothing touches the kernel before <see cref="Probe.Start"/>.</summary>
    public CacheStatProbe(CacheStatOptions options, ILogger<CacheStatProbe>? logger = null)
        : base(options, "cache_stat", "CacheStat probe", logger)
    {
        _samples = CreateStream<CacheStatSample>();
        _accumulator = new(Settings.TopProcesses);
    }

    /// <summary>The kernel functions or tracepoints the programs are attached to; empty until <see cref="Probe.Start"/> succeeded.</summary>
    public IReadOnlyList<string> AttachTargets { get; private set; } = [];

    /// <summary>One sample every <see cref="SampledProbeOptions.Interval"/>, and a last one for the partial interval on dispose.</summary>
    public IObservable<CacheStatSample> Samples => _samples;

    /// <summary>Whether the kernel's per-process map holds an entry of <paramref name="pid"/>: exited processes' entries are deleted once reported.</summary>
    internal bool IsTracked(int pid) => WithSession(() => _skeleton!.ProcStatsMap.TryLookup((uint)pid, out _), false);

    private protected override ProbeSession Attach()
    {
        // The skeleton opened to resolve the candidates serves the first attempt; a fallback opens
        // its own (an open skeleton is spent by its load). kallsyms is read at most once per start.
        OpenCachestatSkeleton? first = CachestatSkeleton.Open();
        try
        {
            var exists = TargetExists([.. CacheStatPlan.KernelFunctionTargets(first)]);
            var candidates = BpfAttachChooser<BpfAttachKind>.ForStrategies(Description, Logger, Settings.AttachStrategy, Settings.SupportedStrategies,
                s => CacheStatPlan.Resolve(first, s, exists(s), out var missing) is null ? $"no {s.SectionPrefix()} targets: {missing}" : null);
            var (session, _, choice) = candidates.Attach(s => AttachWith(s, exists, Interlocked.Exchange(ref first, null) ?? CachestatSkeleton.Open()));
            StrategyChoice = choice;
            Logger.LogInformation(
                "CacheStat probe attached with {Strategy} to {Targets}; filter: {Filter}; every {Interval}, top {Top} processes",
                choice, string.Join(", ", AttachTargets), Settings.Filter, Settings.Interval, Settings.TopProcesses);
            return session;
        }
        finally
        {
            first?.Dispose();
        }
    }

    /// <summary>How to tell whether a strategy's targets exist: kernel functions from kallsyms (read once, when first asked), tracepoints from tracefs.</summary>
    private static Func<BpfAttachKind, Func<string, bool>> TargetExists(string[] kernelFunctions)
    {
        var symbols = new Lazy<IReadOnlySet<string>>(() => KernelSymbols.SelectExisting(kernelFunctions));
        return strategy => strategy == BpfAttachKind.BtfRawTracepoint ? TracepointExists : name => symbols.Value.Contains(name);
    }

    /// <summary>Loads and attaches <paramref name="strategy"/>'s programs from <paramref name="open"/> (disposed here), releasing what it made when that fails.</summary>
    private ProbeSession AttachWith(BpfAttachKind strategy, Func<BpfAttachKind, Func<string, bool>> exists, OpenCachestatSkeleton open)
    {
        var links = new List<BpfLink>();
        try
        {
            using (open)
            {
                var plan = CacheStatPlan.Resolve(open, strategy, exists(strategy), out var missing)
                    ?? throw new BpfNotSupportedException(Description, strategy.SectionPrefix(), detail: missing);
                Configure(open);
                plan.Apply(open);
                _skeleton = open.Load();
                AttachTargets = plan.Targets;
            }
            foreach (var program in _skeleton.Object.Programs)
            {
                if (program.IsLoaded)
                    links.Add(program.Attach());
            }
        }
        catch
        {
            ProbeSession.ReleaseFailedAttach(links, _skeleton);
            _skeleton = null;
            AttachTargets = [];
            throw;
        }
        var skeleton = _skeleton;
        var capacity = skeleton.ProcStatsMap.Map.MaxEntries;
        _keys = new uint[capacity];
        _values = new CachestatSkeleton.CachestatValue[capacity];
        _perCpu = new CachestatSkeleton.CachestatCounters[BpfMap.PossibleCpus];
        StartInterval();
        return new ProbeSession(links, skeleton.Dispose, Publish) { Programs = skeleton.Object.Programs };
    }

    /// <summary>Whether the kernel has the tracepoint; without tracefs the load decides (tp_btf itself does not need tracefs).</summary>
    private static bool TracepointExists(string name) => KernelFeatures.TracepointExists(name) ?? true;

    private void Configure(OpenCachestatSkeleton open)
    {
        var filter = Settings.Filter;
        open.PageShift = (uint)BitOperations.Log2((uint)Environment.SystemPageSize);
        open.XmFilterKind = (CachestatSkeleton.XmFilterKindEnum)filter.Kind;
        open.XmFilterValue = filter.Value;
        open.XmCgroupMemcgV1 = filter.Kind == ProcessFilterKind.Cgroup && filter.Hierarchy == CgroupHierarchy.MemoryV1;
    }

    private void Publish()
    {
        var (sample, exited) = Read();
        _samples.Publish(sample);
        foreach (var pid in exited)
            _skeleton!.ProcStatsMap.Delete(pid);
    }

    /// <summary>The sample since the previous read, and the processes that exited, to delete from the map once reported.</summary>
    private (CacheStatSample Sample, List<uint> Exited) Read()
    {
        var interval = TakeInterval();
        var skeleton = _skeleton!;

        var total = default(CacheStatCounters);
        if (skeleton.TotalsMap.TryLookupPerCpu(0, _perCpu))
        {
            foreach (ref readonly var cpu in _perCpu.AsSpan())
                total = total.Plus(CacheStatCounters.From(cpu));
        }

        var map = skeleton.ProcStatsMap;
        var count = map.ReadAll(_keys, _values);
        var readings = new List<CacheStatReading>(count);
        var exited = new List<uint>();
        for (var i = 0; i < count; i++)
        {
            var pid = _keys[i];
            var value = _values[i];
            var gone = !Directory.Exists($"/proc/{pid}");
            if (gone)
            {
                // Read again now that the process is gone: what it did between the batch read and
                // its exit would otherwise be deleted unseen.
                if (map.TryLookup(pid, out var last))
                    value = last;
                exited.Add(pid);
            }
            readings.Add(new CacheStatReading(pid, value, gone));
        }

        var system = _accumulator.System(total);
        var (processes, others, otherCount) = _accumulator.Processes(readings);
        var (buffers, cached) = MemInfo.Read();
        var sample = new CacheStatSample(DateTimeOffset.UtcNow, interval, AttachStrategy!.Value, system, processes, others, otherCount, buffers, cached);
        return (sample, exited);
    }

}
