using XMonitor.Bpf.Probes.CacheStat;

namespace XMonitor.Bpf.Probes.Tests.CacheStat;

/// <summary>
/// The fentry and kprobe strategies cannot run on this kernel (no CONFIG_KPROBES, fentry loads fail
/// with EPERM), so their program choice is checked at the open stage, against this kernel's symbols
/// and against a pre-folio kernel's, and forcing them must fail with the feature named.
/// </summary>
public sealed class CacheStatStrategyTests
{
    // What a 5.10 kernel has: page functions only.
    private static readonly HashSet<string> PageKernel = ["add_to_page_cache_lru", "mark_page_accessed", "account_page_dirtied", "mark_buffer_dirty"];

    [Fact]
    public void Kprobe_OnThisKernel_PicksTheFolioFunctionsAndNeverTheirPageWrappers()
    {
        var symbols = KernelSymbols.Load();
        // 6.18 keeps both names; attaching both would count every event twice.
        Assert.True(symbols.Contains("add_to_page_cache_lru") && symbols.Contains("filemap_add_folio"));
        using var open = CachestatSkeleton.Open();
        var plan = CacheStatPlan.Resolve(open, BpfAttachKind.Kprobe, symbols.Contains, out var missing);
        Assert.Null(missing);
        var expectedDirty = symbols.Contains("folio_account_dirtied") ? "folio_account_dirtied" : "__folio_mark_dirty";
        Assert.Equal(["filemap_add_folio", "folio_mark_accessed", expectedDirty, "mark_buffer_dirty"], plan!.Targets);

        plan.Apply(open);
        var loaded = open.Object.Programs.Where(p => p.Autoload).ToArray();
        Assert.Equal(4, loaded.Length);
        Assert.All(loaded, p =>
        {
            Assert.StartsWith("kprobe/", p.SectionName, StringComparison.Ordinal);
            Assert.Equal(BpfProgramType.Kprobe, p.Type);
            Assert.True(p.InstructionCount > 10, $"{p.Name} has code ({p.InstructionCount} instructions)");
        });
    }

    [Fact]
    public void Kprobe_OnAPageKernel_PicksThePageFunctions()
    {
        using var open = CachestatSkeleton.Open();
        var plan = CacheStatPlan.Resolve(open, BpfAttachKind.Kprobe, PageKernel.Contains, out _);
        Assert.Equal(["add_to_page_cache_lru", "mark_page_accessed", "account_page_dirtied", "mark_buffer_dirty"], plan!.Targets);
    }

    [Fact]
    public void Fentry_OnThisKernel_PicksOneDirtyingFunction()
    {
        var symbols = KernelSymbols.Load();
        using var open = CachestatSkeleton.Open();
        var plan = CacheStatPlan.Resolve(open, BpfAttachKind.Fentry, symbols.Contains, out var missing);
        Assert.Null(missing);
        Assert.Equal(4, plan!.Targets.Count);
        Assert.Single(plan.Targets, t => t is "folio_account_dirtied" or "__folio_mark_dirty");

        plan.Apply(open);
        var loaded = open.Object.Programs.Where(p => p.Autoload).ToArray();
        Assert.All(loaded, p =>
        {
            Assert.StartsWith("fentry/", p.SectionName, StringComparison.Ordinal);
            Assert.Equal(BpfProgramType.Tracing, p.Type);
            Assert.True(p.InstructionCount > 10, $"{p.Name} has code ({p.InstructionCount} instructions)");
        });
        Assert.Equal(plan.Targets, loaded.Select(CacheStatPlan.Target));
    }

    [Fact]
    public void Fentry_OnAPageKernel_IsUnavailableAndSaysWhy()
    {
        using var open = CachestatSkeleton.Open();
        Assert.Null(CacheStatPlan.Resolve(open, BpfAttachKind.Fentry, PageKernel.Contains, out var missing));
        Assert.Contains("filemap_add_folio", missing);
        Assert.Contains("folio_mark_accessed", missing);
    }

    [Fact]
    public void Tracepoints_NeedEveryTracepoint()
    {
        using var open = CachestatSkeleton.Open();
        var plan = CacheStatPlan.Resolve(open, BpfAttachKind.BtfRawTracepoint, _ => true, out _);
        Assert.Equal(5, plan!.Targets.Count);
        Assert.Null(CacheStatPlan.Resolve(open, BpfAttachKind.BtfRawTracepoint, t => t != "mm_filemap_get_pages", out var missing));
        Assert.Contains("mm_filemap_get_pages", missing);
    }

    [Fact]
    public void KprobePrograms_PassTheVerifier()
    {
        BpfEnvironment.Require();
        if (!KernelFeatures.IsProgramTypeSupported(BpfProgramType.Kprobe))
            Assert.Skip("the kernel cannot load kprobe programs at all");
        // Kprobe programs load without CONFIG_KPROBES (uprobes use the same program type); only
        // attaching needs kprobes. So the kprobe strategy's code is verified here too.
        using var open = CachestatSkeleton.Open();
        var plan = CacheStatPlan.Resolve(open, BpfAttachKind.Kprobe, KernelSymbols.Load().Contains, out _);
        plan!.Apply(open);
        using var loaded = open.Load();
        var programs = loaded.Object.Programs.Where(p => p.IsLoaded).ToArray();
        Assert.Equal(plan.Targets, programs.Select(p => p.SectionTarget));
    }

    [Theory]
    [InlineData(BpfAttachKind.Fentry, KernelFeature.Fentry, "fentry")]
    [InlineData(BpfAttachKind.Kprobe, KernelFeature.Kprobe, "kprobe")]
    public void Forced_UnsupportedStrategy_ThrowsNamingTheFeature(BpfAttachKind strategy, KernelFeature feature, string name)
    {
        BpfEnvironment.Require();
        if (KernelFeatures.IsSupported(feature))
            Assert.Skip($"this kernel offers {name}: nothing to refuse");
        using var probe = new CacheStatProbe(new CacheStatOptions { AttachStrategy = strategy });
        var e = Assert.Throws<BpfNotSupportedException>(probe.Start);
        Assert.Equal(name, e.Feature);
        Assert.Contains("not supported by this kernel: " + name, e.Message);
        Assert.False(probe.IsRunning);
        Assert.Null(probe.AttachStrategy);
    }

    [Fact]
    public void Auto_FallsBackToTracepoints()
    {
        BpfEnvironment.Require();
        if (KernelFeatures.IsSupported(KernelFeature.Fentry) || KernelFeatures.IsSupported(KernelFeature.Kprobe))
            Assert.Skip("this kernel offers fentry or kprobes: no fallback to see");
        using var probe = new CacheStatProbe(new CacheStatOptions());
        probe.Start();
        Assert.Equal(BpfAttachKind.BtfRawTracepoint, probe.AttachStrategy);
        Assert.Equal(["mm_filemap_add_to_page_cache", "mm_filemap_get_pages", "mm_filemap_fault", "mm_filemap_map_pages", "writeback_dirty_folio"], probe.AttachTargets);
    }

    [Fact]
    public void Auto_ReasonNamesWhatWasSkipped()
    {
        BpfEnvironment.Require();
        using var probe = new CacheStatProbe(new CacheStatOptions());
        probe.Start();
        var choice = probe.StrategyChoice!;
        Assert.Equal(choice.Kind, probe.AttachStrategy);
        Assert.Empty(choice.Failures);
        if (choice.Kind == BpfAttachKind.BtfRawTracepoint)
        {
            Assert.Contains("no fentry", choice.Reason);
            Assert.Contains("no kprobe", choice.Reason);
        }
    }
}
