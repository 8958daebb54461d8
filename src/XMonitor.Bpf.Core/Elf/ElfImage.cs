using System.Buffers.Binary;
using System.Text;

namespace XMonitor.Bpf.Elf;

/// <summary>
/// A minimal ELF64 little-endian reader for BPF objects: section headers, section names and the
/// symbol table, with every offset checked against the file so malformed input fails with
/// <see cref="BpfElfFormatException"/> instead of reading out of bounds.
/// </summary>
internal sealed class ElfImage
{
    private const int HeaderSize = 64;
    private const int SectionHeaderSize = 64;
    private const int SymbolSize = 24;
    private const ushort MachineBpf = 247;

    // Zero-filled sections (.bss) become BPF array map values, which the kernel caps far lower;
    // the bound keeps a hostile size from turning into a huge allocation.
    private const long MaxZeroDataSize = 256L * 1024 * 1024;

    private readonly byte[] _data;
    private readonly Dictionary<int, byte[]> _zeroData = [];

    private ElfImage(byte[] data)
    {
        _data = data;
        Sections = ReadSections();
        Symbols = ReadSymbols();
    }

    public IReadOnlyList<ElfSectionHeader> Sections { get; }

    public IReadOnlyList<ElfSymbol> Symbols { get; }

    public static ElfImage Parse(ReadOnlySpan<byte> data) => new(data.ToArray());

    public ElfSectionHeader? FindSection(string name)
    {
        foreach (var section in Sections)
        {
            if (section.Name == name)
                return section;
        }
        return null;
    }

    public ReadOnlySpan<byte> SectionData(ElfSectionHeader section)
        => section.HasFileData ? _data.AsSpan((int)section.Offset, (int)section.Size) : default;

    public ReadOnlyMemory<byte> SectionMemory(ElfSectionHeader section)
    {
        if (section.HasFileData)
            return _data.AsMemory((int)section.Offset, (int)section.Size);
        lock (_zeroData)
        {
            if (!_zeroData.TryGetValue(section.Index, out var zeros))
                _zeroData[section.Index] = zeros = new byte[section.Size];
            return zeros;
        }
    }

    private IReadOnlyList<ElfSectionHeader> ReadSections()
    {
        var d = _data;
        if (d.Length < HeaderSize)
            throw new BpfElfFormatException($"the file is {d.Length} bytes, shorter than an ELF64 header", 0);
        if (d[0] != 0x7f || d[1] != (byte)'E' || d[2] != (byte)'L' || d[3] != (byte)'F')
            throw new BpfElfFormatException("not an ELF file (bad magic)", 0);
        if (d[4] != 2)
            throw new BpfElfFormatException($"ELF class {d[4]} is not ELF64; BPF objects are 64-bit", 4);
        if (d[5] != 1)
            throw new BpfElfFormatException("big-endian ELF files are not supported", 5);
        var machine = BinaryPrimitives.ReadUInt16LittleEndian(d.AsSpan(18));
        if (machine != MachineBpf)
            throw new BpfElfFormatException($"ELF machine {machine} is not BPF ({MachineBpf}); compile with clang -target bpf", 18);
        var sectionTable = BinaryPrimitives.ReadUInt64LittleEndian(d.AsSpan(40));
        var entrySize = BinaryPrimitives.ReadUInt16LittleEndian(d.AsSpan(58));
        var count = BinaryPrimitives.ReadUInt16LittleEndian(d.AsSpan(60));
        var namesIndex = BinaryPrimitives.ReadUInt16LittleEndian(d.AsSpan(62));
        if (count == 0)
            throw new BpfElfFormatException("the ELF file has no section headers (or uses extended numbering, which BPF objects never need)", 60);
        if (entrySize != SectionHeaderSize)
            throw new BpfElfFormatException($"section header size {entrySize} is not {SectionHeaderSize}", 58);
        if (sectionTable > (ulong)d.Length || (ulong)d.Length - sectionTable < (ulong)count * SectionHeaderSize)
            throw new BpfElfFormatException($"the section header table ({count} entries at 0x{sectionTable:x}) extends past the end of the {d.Length}-byte file", 40);
        if (namesIndex >= count)
            throw new BpfElfFormatException($"section name table index {namesIndex} is not below the section count {count}", 62);

        var raw = new (uint Name, uint Type, ulong Flags, long Offset, long Size, uint Link)[count];
        for (var i = 0; i < count; i++)
        {
            var at = (int)sectionTable + i * SectionHeaderSize;
            var h = d.AsSpan(at, SectionHeaderSize);
            var type = BinaryPrimitives.ReadUInt32LittleEndian(h[4..]);
            var offset = BinaryPrimitives.ReadUInt64LittleEndian(h[24..]);
            var size = BinaryPrimitives.ReadUInt64LittleEndian(h[32..]);
            var hasData = type != (uint)ElfSectionType.NoBits && type != (uint)ElfSectionType.Null;
            if (hasData && (offset > (ulong)d.Length || (ulong)d.Length - offset < size))
                throw new BpfElfFormatException($"section {i} [0x{offset:x}, +{size}) extends past the end of the {d.Length}-byte file", at + 24);
            if (!hasData && size > MaxZeroDataSize)
                throw new BpfElfFormatException($"section {i} claims {size} bytes of zero data, more than the {MaxZeroDataSize} a BPF object can use", at + 32);
            raw[i] = (BinaryPrimitives.ReadUInt32LittleEndian(h), type, BinaryPrimitives.ReadUInt64LittleEndian(h[8..]),
                (long)offset, (long)size, BinaryPrimitives.ReadUInt32LittleEndian(h[40..]));
        }

        var names = raw[namesIndex];
        if (names.Type != (uint)ElfSectionType.StringTable)
            throw new BpfElfFormatException($"section name table (section {namesIndex}) is not a string table", (int)sectionTable + namesIndex * SectionHeaderSize + 4);
        var nameData = d.AsSpan((int)names.Offset, (int)names.Size);
        var sections = new ElfSectionHeader[count];
        for (var i = 0; i < count; i++)
        {
            var r = raw[i];
            var name = ReadString(nameData, r.Name, $"the name of section {i}", names.Offset);
            sections[i] = new ElfSectionHeader(i, name, r.Type, r.Flags, r.Offset, r.Size, r.Link);
        }
        return sections;
    }

    private IReadOnlyList<ElfSymbol> ReadSymbols()
    {
        ElfSectionHeader? table = null;
        foreach (var section in Sections)
        {
            if (section.Type == (uint)ElfSectionType.SymbolTable)
            {
                table = section;
                break;
            }
        }
        if (table is not { } symtab)
            return [];
        if (symtab.Size % SymbolSize != 0)
            throw new BpfElfFormatException($"symbol table size {symtab.Size} is not a multiple of {SymbolSize}", symtab.Offset);
        if (symtab.Link >= Sections.Count || Sections[(int)symtab.Link].Type != (uint)ElfSectionType.StringTable)
            throw new BpfElfFormatException($"the symbol table links to section {symtab.Link}, which is not a string table", symtab.Offset);
        var strtab = Sections[(int)symtab.Link];
        var strings = _data.AsSpan((int)strtab.Offset, (int)strtab.Size);
        var count = (int)(symtab.Size / SymbolSize);
        var symbols = new ElfSymbol[count];
        for (var i = 0; i < count; i++)
        {
            var at = (int)symtab.Offset + i * SymbolSize;
            var s = _data.AsSpan(at, SymbolSize);
            var name = ReadString(strings, BinaryPrimitives.ReadUInt32LittleEndian(s), $"the name of symbol {i}", strtab.Offset);
            symbols[i] = new ElfSymbol(name, s[4], BinaryPrimitives.ReadUInt16LittleEndian(s[6..]),
                BinaryPrimitives.ReadUInt64LittleEndian(s[8..]), BinaryPrimitives.ReadUInt64LittleEndian(s[16..]), at);
        }
        return symbols;
    }

    private static string ReadString(ReadOnlySpan<byte> table, uint offset, string what, long tableOffset)
    {
        if (offset >= (uint)table.Length)
        {
            if (offset == 0)
                return "";
            throw new BpfElfFormatException($"{what} is at string offset {offset}, outside its {table.Length}-byte string table", tableOffset);
        }
        var rest = table[(int)offset..];
        var end = rest.IndexOf((byte)0);
        if (end < 0)
            throw new BpfElfFormatException($"{what} at string offset {offset} is not NUL-terminated", tableOffset + offset);
        return Encoding.UTF8.GetString(rest[..end]);
    }
}
