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
}
