using System.Buffers.Binary;
using System.Globalization;
using System.Text.RegularExpressions;
using Xunit;
using XMonitor.Bpf.Btf;
using XMonitor.Bpf.Elf;
using XMonitor.Bpf.Tests.Btf;

namespace XMonitor.Bpf.Tests.Elf;

public sealed partial class BpfElfFileTests
{
    [GeneratedRegex(@"^\s*(?<idx>\d+) (?<name>\S*)\s+(?<size>[0-9a-f]{8}) (?<vma>[0-9a-f]{16}) ?(?<type>.*)$", RegexOptions.Multiline)]
    private static partial Regex ObjdumpSection();

    [GeneratedRegex(@"^(?<value>[0-9a-f]{16}) (?<flags>.{7}) (?<section>\S+)\t(?<size>[0-9a-f]{16}) (?<name>.+)$", RegexOptions.Multiline)]
    private static partial Regex ObjdumpSymbol();

    private static readonly Lazy<BpfElfFile> Sample = new(() => BpfElfFile.Load(SampleObject.Data));

    private static List<(string Flags, string Section, long Value, long Size, string Name)> Symbols()
        => ObjdumpSymbol().Matches(SampleObject.Run("llvm-objdump", "-t", SampleObject.FilePath))
            .Select(m => (m.Groups["flags"].Value, m.Groups["section"].Value, long.Parse(m.Groups["value"].Value, NumberStyles.HexNumber),
                long.Parse(m.Groups["size"].Value, NumberStyles.HexNumber), m.Groups["name"].Value))
            .ToList();

    [Fact]
    public void SectionsMatchObjdump()
    {
        var expected = ObjdumpSection().Matches(SampleObject.Run("llvm-objdump", "-h", SampleObject.FilePath))
            .Select(m => (int.Parse(m.Groups["idx"].Value), m.Groups["name"].Value, long.Parse(m.Groups["size"].Value, NumberStyles.HexNumber),
                m.Groups["type"].Value.Trim() == "TEXT"))
            .ToList();
        var actual = Sample.Value.Sections.Select(s => (s.Index, s.Name, s.Size, s.IsExecutable)).ToList();
        Assert.Equal(expected, actual);

        var bss = Sample.Value.FindSection(".bss")!;
        Assert.Equal(ElfSectionType.NoBits, bss.Type);
        Assert.Equal(ElfSectionFlags.Write | ElfSectionFlags.Alloc, bss.Flags);
        Assert.Equal(ElfSectionType.SymbolTable, Sample.Value.FindSection(".symtab")!.Type);
        Assert.Null(Sample.Value.FindSection("nope"));
    }

    [Fact]
    public void ProgramsMatchTheSymbolTable()
    {
        var expected = Symbols().Where(s => s.Flags.Contains('F')).Select(s => (s.Name, s.Section, s.Value, (int)(s.Size / 8), s.Flags[0] == 'g'))
            .OrderBy(s => s.Name).ToList();
        var actual = Sample.Value.Programs.Select(p => (p.Name, p.SectionName, p.Offset, p.InstructionCount, p.IsGlobal)).OrderBy(p => p.Name).ToList();
        Assert.Equal(expected, actual);
        Assert.Equal(["scale"], Sample.Value.Programs.Where(p => p.IsSubprogram).Select(p => p.Name));
        Assert.Equal(61, Sample.Value.Programs.Single(p => p.Name == "handle_switch").InstructionCount);
    }

    [Fact]
    public void MapsFromTheMapsSection()
    {
        var maps = Sample.Value.Maps.ToDictionary(m => m.Name);
        Assert.Equal(["sample_hash", "sample_events", "sample_counts"], Sample.Value.Maps.Select(m => m.Name));

        var hash = maps["sample_hash"];
        Assert.Equal((1u, 16u, 72u, 1024u, 0u, 0u), (hash.Type, hash.KeySize, hash.ValueSize, hash.MaxEntries, hash.Flags, hash.Pinning));
        Assert.Equal("sample_key", hash.KeyType!.Name);
        Assert.Equal("sample_value", hash.ValueType!.Name);

        var ring = maps["sample_events"];
        Assert.Equal((27u, 0u, 0u, 256u * 1024), (ring.Type, ring.KeySize, ring.ValueSize, ring.MaxEntries));
        Assert.Null(ring.KeyType);

        var counts = maps["sample_counts"];
        Assert.Equal((6u, 4u, 8u, 4u, 4u, 1u), (counts.Type, counts.KeySize, counts.ValueSize, counts.MaxEntries, counts.Flags, counts.Pinning));
        Assert.Null(counts.ValueType);

        var symbols = Symbols().Where(s => s.Section == ".maps").ToDictionary(s => s.Name);
        Assert.All(Sample.Value.Maps, m => Assert.Equal(symbols[m.Name].Value, m.Offset));
        Assert.All(Sample.Value.Maps, m => Assert.Equal(symbols[m.Name].Size, Sample.Value.Btf!.SizeOf(m.Definition)));
    }

    [Fact]
    public void VariablesWithTypesAndInitialValues()
    {
        var file = Sample.Value;
        var expected = Symbols().Where(s => s.Flags.Contains('O') && s.Section is ".data" or ".rodata" or ".bss")
            .Select(s => (s.Name, s.Section, s.Value, s.Size)).OrderBy(s => s.Name).ToList();
        Assert.Equal(expected, file.Variables.Select(v => (v.Name, v.SectionName, v.Offset, v.Size)).OrderBy(v => v.Name).ToList());

        var vars = file.Variables.ToDictionary(v => v.Name);
        Assert.Equal(42u, BinaryPrimitives.ReadUInt32LittleEndian(vars["target_pid"].InitialValue.Span));
        Assert.Equal(1_000_000ul, BinaryPrimitives.ReadUInt64LittleEndian(vars["min_runtime_ns"].InitialValue.Span));
        Assert.Equal([1], vars["verbose"].InitialValue.ToArray());
        Assert.Equal([1, 2, 3, 4], vars["filter_bytes"].InitialValue.ToArray());
        Assert.Equal(7u, BinaryPrimitives.ReadUInt32LittleEndian(vars["wanted_state"].InitialValue.Span));
        Assert.Equal(3u, BinaryPrimitives.ReadUInt32LittleEndian(vars["generation"].InitialValue.Span));
        Assert.Equal(new byte[8], vars["total_events"].InitialValue.ToArray());

        Assert.True(vars["target_pid"].IsReadOnly);
        Assert.False(vars["generation"].IsReadOnly);
        Assert.Equal("const volatile __u32", BtfCFormatter.Format(vars["target_pid"].Type!));
        Assert.Equal("const volatile bool", BtfCFormatter.Format(vars["verbose"].Type!));
        Assert.Equal("const volatile __u8[4]", BtfCFormatter.Format(vars["filter_bytes"].Type!));
        Assert.Equal("const volatile enum sample_state", BtfCFormatter.Format(vars["wanted_state"].Type!));
        Assert.Equal("typedef unsigned long long __u64;", BtfCFormatter.Format(vars["total_events"].Type!));
        Assert.All(file.Variables, v => Assert.Equal(v.Size, file.Btf!.SizeOf(v.Type!)));
    }

    [Fact]
    public void LicenseAndBtf()
    {
        Assert.Equal("GPL", Sample.Value.License);
        Assert.NotNull(Sample.Value.Btf);
        Assert.NotNull(Sample.Value.BtfExt);
        using var stream = new MemoryStream(SampleObject.Data);
        Assert.Equal(Sample.Value.Programs.Count, BpfElfFile.Load(stream).Programs.Count);
        Assert.Equal(Sample.Value.Maps.Count, BpfElfFile.Load(SampleObject.FilePath).Maps.Count);
        Assert.Equal(Sample.Value.Btf!.Types.Count, BtfSpec.FromElf(SampleObject.Data).Types.Count);
    }

    [Fact]
    public void MalformedHeaders()
    {
        Rejects([], "shorter than an ELF64 header");
        Rejects(SampleObject.Data[..40], "shorter than an ELF64 header");
        Rejects(Patch(d => d[1] = (byte)'X'), "not an ELF file");
        Rejects(Patch(d => d[4] = 1), "not ELF64");
        Rejects(Patch(d => d[5] = 2), "big-endian");
        Rejects(Patch(d => BinaryPrimitives.WriteUInt16LittleEndian(d.AsSpan(18), 62)), "is not BPF");
        Rejects(Patch(d => BinaryPrimitives.WriteUInt64LittleEndian(d.AsSpan(40), (ulong)d.Length - 10)), "section header table");
        Rejects(Patch(d => BinaryPrimitives.WriteUInt16LittleEndian(d.AsSpan(62), 999)), "section name table index");
        Rejects(Patch(d => BinaryPrimitives.WriteUInt16LittleEndian(d.AsSpan(58), 40)), "section header size");
        Rejects(SampleObject.Data[..(SampleObject.Data.Length / 2)], "extends past the end");
        Assert.Throws<BpfElfFormatException>(() => BtfSpec.FromElf([1, 2, 3]));
    }

    [Fact]
    public void MalformedSectionsAndEmbeddedBtf()
    {
        var btf = Sample.Value.FindSection(".BTF")!;
        var e = Rejects(Patch(d => d[(int)btf.Offset] = 0), "section .BTF: bad BTF magic");
        Assert.IsType<BtfFormatException>(e.InnerException);

        var symtab = Sample.Value.FindSection(".symtab")!;
        var sectionTable = (int)BinaryPrimitives.ReadUInt64LittleEndian(SampleObject.Data.AsSpan(40));
        Rejects(Patch(d => BinaryPrimitives.WriteUInt64LittleEndian(d.AsSpan(sectionTable + symtab.Index * 64 + 32), (ulong)symtab.Size - 1)), "not a multiple of 24");
        Rejects(Patch(d => BinaryPrimitives.WriteUInt64LittleEndian(d.AsSpan(sectionTable + btf.Index * 64 + 24), 0xffff_ffff_0000)), "extends past the end");
        var bss = Sample.Value.FindSection(".bss")!;
        Rejects(Patch(d => BinaryPrimitives.WriteUInt64LittleEndian(d.AsSpan(sectionTable + bss.Index * 64 + 32), 1UL << 40)), "bytes of zero data");
    }

    [Fact]
    public void FuzzedObjectOnlyThrowsFormatExceptions()
    {
        var original = SampleObject.Data;
        var sectionTable = (int)BinaryPrimitives.ReadUInt64LittleEndian(original.AsSpan(40));
        var symtab = Sample.Value.FindSection(".symtab")!;
        var btf = Sample.Value.FindSection(".BTF")!;
        // Mutations aim at the structures the reader interprets: the ELF header, section headers,
        // the symbol table and the start of .BTF (header and the map definition types).
        (int Start, int Length)[] regions =
        [
            (0, 64), (sectionTable, original.Length - sectionTable), ((int)symtab.Offset, (int)symtab.Size), ((int)btf.Offset, 2048),
        ];
        var random = new Random(Fuzz.Seed(424242));
        var loaded = 0;
        var iterations = Fuzz.Iterations(3000);
        for (var iteration = 0; iteration < iterations; iteration++)
        {
            var data = (byte[])original.Clone();
            for (var i = random.Next(1, 5); i > 0; i--)
            {
                var (start, length) = regions[random.Next(regions.Length)];
                data[start + random.Next(length)] = (byte)(random.Next(3) == 0 ? 0xff : random.Next(256));
            }
            try
            {
                var file = BpfElfFile.Load(data);
                loaded++;
                foreach (var variable in file.Variables)
                    _ = (variable.Type, variable.InitialValue.Length);
            }
            catch (BpfElfFormatException)
            {
            }
        }
        Assert.True(loaded > 100, $"only {loaded} mutated objects loaded");
    }

    private static byte[] Patch(Action<byte[]> patch)
    {
        var data = SampleObject.Data;
        patch(data);
        return data;
    }

    private static BpfElfFormatException Rejects(byte[] data, string fragment)
    {
        var e = Assert.Throws<BpfElfFormatException>(() => BpfElfFile.Load(data));
        Assert.Contains(fragment, e.Message, StringComparison.Ordinal);
        return e;
    }
}
