using System.Globalization;
using System.Text.RegularExpressions;
using XMonitor.Bpf.Elf;
using XMonitor.Bpf.Tests.Btf;

namespace XMonitor.Bpf.Tests.Elf;

/// <summary>
/// For every BPF object this test project builds, the managed reader's sections, programs and maps
/// equal what llvm-objdump reads from the file and what libbpf makes of it when opening it.
/// </summary>
public sealed partial class EveryObjectTests
{
    public static TheoryData<string> Objects => new(typeof(EveryObjectTests).Assembly.GetManifestResourceNames()
        .Where(n => n.EndsWith(".bpf.o", StringComparison.Ordinal)).Order());

    [Theory]
    [MemberData(nameof(Objects))]
    public void SectionsProgramsAndMapsAgreeWithObjdumpAndLibbpf(string resource)
    {
        using var stream = typeof(EveryObjectTests).Assembly.GetManifestResourceStream(resource)!;
        var bytes = new byte[stream.Length];
        stream.ReadExactly(bytes);
        var path = Path.Combine(Path.GetTempPath(), $"every-{Environment.ProcessId}-{resource}");
        File.WriteAllBytes(path, bytes);
        try
        {
            var elf = BpfElfFile.Load(bytes);

            var sections = SectionLine().Matches(SampleObject.Run("llvm-objdump", "-h", path)).Select(m => m.Groups[1].Value).ToList();
            Assert.Equal(sections, elf.Sections.Select(s => s.Name));

            var symbols = SymbolLine().Matches(SampleObject.Run("llvm-objdump", "-t", path))
                .Select(m => (Flags: m.Groups[1].Value, Section: m.Groups[2].Value, Size: long.Parse(m.Groups[3].Value, NumberStyles.HexNumber), Name: m.Groups[4].Value))
                .ToList();
            var functions = symbols.Where(s => s.Flags.Contains('F')).Select(s => (s.Name, s.Section, (int)(s.Size / 8))).Order().ToList();
            Assert.Equal(functions, elf.Programs.Select(p => (p.Name, p.SectionName, p.InstructionCount)).Order());
            Assert.Equal(symbols.Where(s => s.Section == ".maps").Select(s => s.Name).Order(), elf.Maps.Select(m => m.Name).Order());

            using var open = BpfObject.OpenMemory(bytes);
            Assert.Equal(open.Programs.Select(p => (p.Name, p.SectionName)).Order(),
                elf.Programs.Where(p => !p.IsSubprogram).Select(p => (p.Name, p.SectionName)).Order());
            var libbpfMaps = open.Maps.Where(m => !m.IsInternal).ToDictionary(m => m.Name);
            Assert.Equal(libbpfMaps.Keys.Order(), elf.Maps.Select(m => m.Name).Order());
            foreach (var map in elf.Maps)
            {
                var view = libbpfMaps[map.Name];
                Assert.Equal(((BpfMapType)map.Type, (int)map.KeySize, (int)map.ValueSize, (int)map.MaxEntries),
                    (view.Type, view.KeySize, view.ValueSize, view.MaxEntries));
            }
        }
        finally
        {
            File.Delete(path);
        }
    }

    [GeneratedRegex(@"^\s*\d+ (\S*)\s+[0-9a-f]{8} [0-9a-f]{16}", RegexOptions.Multiline)]
    private static partial Regex SectionLine();

    [GeneratedRegex(@"^[0-9a-f]{16} (.{7}) (\S+)\t([0-9a-f]{16}) (.+)$", RegexOptions.Multiline)]
    private static partial Regex SymbolLine();
}
