namespace XMonitor.Bpf.Tests;

public sealed class KernelSymbolsTests
{
    [Fact]
    public void ParsesKallsymsLinesWithModules()
    {
        var symbols = KernelSymbols.Parse([
            "ffffffff81000000 T _text",
            "ffffffff81001000 T do_one",
            "ffffffff81001080 t helper_two",
            "garbage line",
            "ffffffffc0201000 t mod_func\t[xfs]",
        ]);
        Assert.Equal(4, symbols.Count);
        Assert.True(symbols.TryResolve(0xffffffff81001010, out var s, out var off));
        Assert.Equal("do_one", s.Name);
        Assert.Equal(0x10UL, off);
        Assert.Equal("helper_two+0x4", symbols.Format(0xffffffff81001084));
        Assert.Equal("mod_func [xfs]", symbols.Format(0xffffffffc0201000));
        Assert.True(symbols.TryGetSymbol("mod_func", out var m));
        Assert.Equal("xfs", m.Module);
        Assert.False(symbols.TryResolve(0x1000, out _, out _));
    }

    [Fact]
    public void HiddenAddressesResolveNothing()
    {
        var symbols = KernelSymbols.Parse(["0000000000000000 T _text", "0000000000000000 T vfs_read"]);
        Assert.False(symbols.AddressesVisible);
        Assert.True(symbols.Contains("vfs_read"));
        Assert.False(symbols.TryResolve(0, out _, out _));
    }

    [Fact]
    public void TheRunningKernelsTableResolvesItsOwnFunctions()
    {
        BpfEnvironment.Require();
        var symbols = KernelSymbols.Load();
        Assert.True(symbols.Count > 10_000);
        Assert.True(symbols.TryGetSymbol("vfs_read", out var vfsRead));
        Assert.True(vfsRead.IsFunction);
        Assert.True(symbols.TryResolve(vfsRead.Address + 4, out var found, out var offset));
        Assert.Equal(vfsRead.Address, found.Address);
        Assert.Equal(4UL, offset);
        Assert.True(symbols.Contains("filemap_add_folio") || symbols.Contains("add_to_page_cache_lru"));
    }

    [Fact]
    public void SelectExistingFindsNamesAcrossReadsModulesAndAnUnterminatedLastLine()
    {
        // Enough lines that the 64 KiB read buffer splits several of them.
        var lines = Enumerable.Range(0, 20_000).Select(i => $"ffffffff81{i:x6} T filler_function_{i}").ToList();
        lines.Insert(7_000, "ffffffff82000000 t do_mmap");
        lines.Insert(12_000, "ffffffffc0201000 t mod_func\t[xfs]");
        lines.Add("garbage");
        lines.Add("ffffffff83000000 T last_one");
        var text = System.Text.Encoding.UTF8.GetBytes(string.Join('\n', lines));
        string[] wanted = ["do_mmap", "mod_func", "last_one", "filler_function_19999", "do_mm", "xfs", "absent", "do_mmap"];

        var found = KernelSymbols.SelectExisting(new MemoryStream(text), wanted);

        var parsed = KernelSymbols.Parse(lines);
        Assert.Equal(wanted.Where(parsed.Contains).ToHashSet(), found.ToHashSet());
        Assert.Equal(["do_mmap", "filler_function_19999", "last_one", "mod_func"], found.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void SelectExistingAgreesWithLoadOnTheRunningKernel()
    {
        string[] wanted = ["vfs_read", "do_mmap", "__vm_munmap", "oom_kill_process", "filemap_add_folio", "add_to_page_cache_lru",
            "folio_account_dirtied", "account_page_dirtied", "mark_buffer_dirty", "xmonitor_no_such_function"];
        var before = GC.GetAllocatedBytesForCurrentThread();
        var found = KernelSymbols.SelectExisting(wanted);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        var symbols = KernelSymbols.Load();
        Assert.Equal(wanted.Where(symbols.Contains).ToHashSet(), found.ToHashSet());
        Assert.Contains("vfs_read", found);
        // The 64 KiB read buffer and a few small objects; Load allocates ~34 MB.
        Assert.True(allocated < 128 * 1024, $"{allocated} bytes allocated");
    }
}
