using ELFSharp.ELF;
using ELFSharp.ELF.Sections;

namespace XMonitor.Trace.Tests;

/// <summary>The .eh_frame and .debug_line readers on the compiled test program, on libc, and on mutated copies.</summary>
public sealed class DwarfTests
{
    private const string Libc = "/lib/x86_64-linux-gnu/libc.so.6";

    [Fact]
    public void TestProgram_HasLinesAndFrameRulesForItsFunctions()
    {
        var symbols = ElfSymbols.Load(TestProgram.Executable);
        Assert.NotNull(symbols?.Lines);
        Assert.NotNull(symbols.Frames);
        var (main, size) = Function(TestProgram.Executable, "main");
        var (open, _) = Function(TestProgram.Executable, "open_known_file");

        Assert.Equal($"{TestProgram.SourcePath}:{TestProgram.LineOf("int main(") + 1}", symbols.Lines.Find(main));
        Assert.Equal($"{TestProgram.SourcePath}:{TestProgram.LineOf("return open(path")}", symbols.Lines.Find(open + 12));
        if (File.Exists("/usr/bin/addr2line"))
        {
            var addresses = Enumerable.Range(0, (int)size).Select(i => main + (ulong)i).ToList();
            var start = new System.Diagnostics.ProcessStartInfo("/usr/bin/addr2line") { RedirectStandardOutput = true };
            start.ArgumentList.Add("-e");
            start.ArgumentList.Add(TestProgram.Executable);
            foreach (var a in addresses)
                start.ArgumentList.Add($"0x{a:x}");
            using var addr2line = System.Diagnostics.Process.Start(start)!;
            var theirs = addr2line.StandardOutput.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries)
                .Select(l => l.Split(" (discriminator")[0]).ToList();
            addr2line.WaitForExit();
            Assert.Equal(theirs, addresses.Select(a => symbols.Lines.Find(a)));
        }
        // -fno-omit-frame-pointer: at entry the CFA is rsp+8, once rbp is set up it is rbp+16.
        Assert.Equal(new CfaRule(7, 8, -8, null), symbols.Frames.Find(main));
        var body = symbols.Frames.Find(main + 8);
        Assert.Equal((6, 16L, -8L, -16L), (body!.Value.CfaRegister, body.Value.CfaOffset, body.Value.ReturnAddressOffset, body.Value.BpOffset));
    }

    [Fact]
    public void Libc_HasFrameRulesForItsSyscallWrappers()
    {
        if (!File.Exists(Libc))
            Assert.Skip($"{Libc} is missing");
        var symbols = ElfSymbols.Load(Libc);
        var (write, _) = Function(Libc, "write");

        var rule = symbols?.Frames?.Find(write);
        Assert.Equal(new CfaRule(7, 8, -8, null), rule);
        Assert.True(symbols!.TryResolve(write + 1, out var name, out var offset));
        Assert.Equal(("write", 1UL), (name, offset));
    }

    [Fact]
    public void MutatedSections_NeverThrowOrHang()
    {
        var (ehFrame, ehAddress) = Section(Libc, ".eh_frame");
        var (debugLine, _) = Section(TestProgram.Executable, ".debug_line");
        var (lineStr, _) = Section(TestProgram.Executable, ".debug_line_str");
        var random = new Random(1234);
        var (write, _) = Function(Libc, "write");
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);

        for (var i = 0; i < 300 && DateTime.UtcNow < deadline; i++)
        {
            var frames = CallFrameInfo.Load(Mutate(ehFrame, random), ehAddress);
            frames?.Find(write);
            frames?.Find((ulong)random.NextInt64());
            var lines = DwarfLines.Load(Mutate(debugLine, random), Mutate(lineStr, random), null);
            lines?.Find((ulong)random.NextInt64(0, 0x10000));
        }
        Assert.Null(CallFrameInfo.Load([0xff, 0xff, 0xff, 0x7f, 0, 0, 0, 0], 0));
        Assert.Null(DwarfLines.Load([0x10, 0, 0, 0, 5, 0], null, null));
    }

    private static byte[] Mutate(byte[] data, Random random)
    {
        var copy = data.ToArray();
        for (var n = random.Next(1, 8); n > 0; n--)
            copy[random.Next(copy.Length)] = (byte)random.Next(256);
        return random.Next(4) == 0 ? copy[..random.Next(copy.Length)] : copy;
    }

    private static (byte[] Data, ulong Address) Section(string path, string name)
    {
        using var elf = ELFReader.Load<ulong>(path);
        var section = elf.Sections.OfType<Section<ulong>>().First(s => s.Name == name);
        return (section.GetContents(), section.LoadAddress);
    }

    private static (ulong Address, ulong Size) Function(string path, string name)
    {
        using var elf = ELFReader.Load<ulong>(path);
        var symbol = elf.Sections.OfType<SymbolTable<ulong>>().SelectMany(t => t.Entries)
            .First(e => e.Name == name && e.Type == SymbolType.Function && e.Value != 0);
        return (symbol.Value, symbol.Size);
    }
}
