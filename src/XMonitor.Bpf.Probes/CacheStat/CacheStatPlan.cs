namespace XMonitor.Bpf.Probes.CacheStat;

/// <summary>
/// Which of cachestat.bpf.o's programs one attach strategy loads. The object holds programs for
/// every strategy and, for fentry and kprobes, for several kernel function names per counter;
/// exactly one program per counter is chosen, the first whose target the kernel has, so that no
/// event is counted twice (6.18 still has add_to_page_cache_lru and mark_page_accessed as wrappers
/// of the folio functions).
/// </summary>
internal sealed class CacheStatPlan
{
    // Per counter (added, accessed, dirtied, buffer dirtied), the candidates in order of preference.
    // folio_account_dirtied is often inlined into __folio_mark_dirty, its only caller, and then has
    // no symbol of its own.
    private static readonly Func<OpenCachestatSkeleton, OpenBpfProgram>[][] FentryCounters =
    [
        [s => s.FentryFilemapAddFolioProgram],
        [s => s.FentryFolioMarkAccessedProgram],
        [s => s.FentryFolioAccountDirtiedProgram, s => s.FentryFolioMarkDirtyProgram],
        [s => s.FentryMarkBufferDirtyProgram],
    ];

    private static readonly Func<OpenCachestatSkeleton, OpenBpfProgram>[][] KprobeCounters =
    [
        [s => s.KprobeFilemapAddFolioProgram, s => s.KprobeAddToPageCacheLruProgram],
        [s => s.KprobeFolioMarkAccessedProgram, s => s.KprobeMarkPageAccessedProgram],
        [s => s.KprobeFolioAccountDirtiedProgram, s => s.KprobeFolioMarkDirtyProgram, s => s.KprobeAccountPageDirtiedProgram],
        [s => s.KprobeMarkBufferDirtyProgram],
    ];

    // Every tracepoint is needed: each feeds a different counter.
    private static readonly Func<OpenCachestatSkeleton, OpenBpfProgram>[][] TracepointCounters =
    [
        [s => s.TpMmFilemapAddToPageCacheProgram],
        [s => s.TpMmFilemapGetPagesProgram],
        [s => s.TpMmFilemapFaultProgram],
        [s => s.TpMmFilemapMapPagesProgram],
        [s => s.TpWritebackDirtyFolioProgram],
    ];

    private readonly IReadOnlyList<OpenBpfProgram> _programs;

    private CacheStatPlan(BpfAttachKind strategy, IReadOnlyList<OpenBpfProgram> programs)
    {
        Strategy = strategy;
        _programs = programs;
        Targets = programs.Select(p => Target(p)).ToArray();
    }

    /// <summary>The strategy.</summary>
    public BpfAttachKind Strategy { get; }

    /// <summary>The kernel functions or tracepoints the chosen programs attach to, for logs and tests.</summary>
    public IReadOnlyList<string> Targets { get; }

    /// <summary>
    /// Chooses the programs of <paramref name="strategy"/>: per counter the first candidate whose
    /// target <paramref name="targetExists"/>. Null when a counter has none; <paramref name="missing"/>
    /// then names the targets the kernel lacks.
    /// </summary>
    public static CacheStatPlan? Resolve(OpenCachestatSkeleton open, BpfAttachKind strategy, Func<string, bool> targetExists, out string? missing)
    {
        var counters = strategy switch
        {
            BpfAttachKind.Fentry => FentryCounters,
            BpfAttachKind.Kprobe => KprobeCounters,
            BpfAttachKind.BtfRawTracepoint => TracepointCounters,
            _ => throw new ArgumentOutOfRangeException(nameof(strategy), strategy, "the CacheStat probe has no programs for this strategy"),
        };
        var chosen = new List<OpenBpfProgram>();
        var absent = new List<string>();
        foreach (var candidates in counters)
        {
            var programs = candidates.Select(c => c(open)).ToArray();
            if (programs.FirstOrDefault(p => targetExists(Target(p))) is { } program)
                chosen.Add(program);
            else
                absent.Add(string.Join(" or ", programs.Select(Target)));
        }
        missing = absent.Count == 0 ? null : "the kernel has no " + string.Join(", no ", absent);
        return absent.Count == 0 ? new CacheStatPlan(strategy, chosen) : null;
    }

    /// <summary>Every kernel function the fentry and kprobe programs may attach to: the names to look up in one pass.</summary>
    public static IEnumerable<string> KernelFunctionTargets(OpenCachestatSkeleton open)
        => FentryCounters.Concat(KprobeCounters).SelectMany(candidates => candidates).Select(c => Target(c(open)));

    /// <summary>Turns autoload on for the chosen programs and off for every other.</summary>
    public void Apply(OpenCachestatSkeleton open)
    {
        foreach (var program in open.Object.Programs)
            program.Autoload = false;
        foreach (var program in _programs)
            program.Autoload = true;
    }

    /// <summary>What a program attaches to: the part of its section after the prefix (<c>kprobe/filemap_add_folio</c>).</summary>
    public static string Target(OpenBpfProgram program) => program.SectionName[(program.SectionName.IndexOf('/') + 1)..];
}
