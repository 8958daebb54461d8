using System.Text;
using XMonitor.Bpf.Btf;

namespace XMonitor.Bpf.Elf;

/// <summary>
/// A compiled BPF object (<c>*.bpf.o</c>) read without libbpf: sections, programs, maps of the
/// <c>.maps</c> section, global variables, license and the parsed <c>.BTF</c>/<c>.BTF.ext</c>.
/// Useful to inspect an object before loading it (which maps and settings it has, what CO-RE
/// relocations it needs) and in tooling.
/// </summary>
public sealed class BpfElfFile
{
    private const string MapsSection = ".maps";

    private BpfElfFile(ElfImage image)
    {
        Sections = image.Sections
            .Select(s => new BpfElfSection(s.Index, s.Name, (ElfSectionType)s.Type, (ElfSectionFlags)s.Flags, s.Offset, s.Size))
            .ToArray();
        Btf = ReadBtf(image);
        BtfExt = Btf is null ? null : ReadBtfExt(image, Btf);
        License = ReadLicense(image);
        Programs = ReadPrograms(image);
        Maps = ReadMaps(image, Btf);
        Variables = ReadVariables(image, Btf);
    }

    /// <summary>All sections, indexed by section number (0 is the null section).</summary>
    public IReadOnlyList<BpfElfSection> Sections { get; }

    /// <summary>The functions of the executable sections, ordered by section and offset.</summary>
    public IReadOnlyList<BpfElfProgram> Programs { get; }

    /// <summary>The maps defined in <c>.maps</c>, in definition order.</summary>
    public IReadOnlyList<BpfElfMap> Maps { get; }

    /// <summary>The variables of the data sections, ordered by section and offset.</summary>
    public IReadOnlyList<BpfElfVariable> Variables { get; }

    /// <summary>The license string of the <c>license</c> section, or null when there is none.</summary>
    public string? License { get; }

    /// <summary>The parsed <c>.BTF</c> section, or null when the object was compiled without <c>-g</c>.</summary>
    public BtfSpec? Btf { get; }

    /// <summary>The parsed <c>.BTF.ext</c> section, or null when there is none.</summary>
    public BtfExt? BtfExt { get; }

    /// <summary>Reads a BPF object from memory. The data is copied.</summary>
    /// <exception cref="BpfElfFormatException">The data is not a well-formed BPF object.</exception>
    public static BpfElfFile Load(ReadOnlySpan<byte> data) => new(ElfImage.Parse(data));

    /// <summary>Reads a BPF object file.</summary>
    /// <exception cref="BpfElfFormatException">The file is not a well-formed BPF object.</exception>
    /// <exception cref="IOException">The file cannot be read.</exception>
    public static BpfElfFile Load(string path) => Load(File.ReadAllBytes(path));

    /// <summary>Reads a BPF object from a stream (for example an embedded resource).</summary>
    /// <exception cref="BpfElfFormatException">The data is not a well-formed BPF object.</exception>
    public static BpfElfFile Load(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        return Load(buffer.GetBuffer().AsSpan(0, (int)buffer.Length));
    }

    /// <summary>Finds a section by name.</summary>
    public BpfElfSection? FindSection(string name) => Sections.FirstOrDefault(s => s.Name == name);

    private static BtfSpec? ReadBtf(ElfImage image)
    {
        if (image.FindSection(".BTF") is not { } section)
            return null;
        try
        {
            return BtfSpec.Load(image.SectionData(section));
        }
        catch (BtfFormatException e)
        {
            throw new BpfElfFormatException($"section .BTF: {e.Message}", section.Offset, e);
        }
    }

    private static BtfExt? ReadBtfExt(ElfImage image, BtfSpec btf)
    {
        if (image.FindSection(".BTF.ext") is not { } section)
            return null;
        try
        {
            return BtfExt.Load(image.SectionData(section), btf);
        }
        catch (BtfFormatException e)
        {
            throw new BpfElfFormatException($"section .BTF.ext: {e.Message}", section.Offset, e);
        }
    }

    private static string? ReadLicense(ElfImage image)
    {
        if (image.FindSection("license") is not { } section)
            return null;
        var data = image.SectionData(section);
        var end = data.IndexOf((byte)0);
        return Encoding.UTF8.GetString(end < 0 ? data : data[..end]);
    }

    private static BpfElfProgram[] ReadPrograms(ElfImage image)
    {
        var programs = new List<(int Section, BpfElfProgram Program)>();
        foreach (var symbol in image.Symbols)
        {
            if (symbol.Type != ElfSymbol.TypeFunc || symbol.SectionIndex == 0 || symbol.SectionIndex >= image.Sections.Count)
                continue;
            var section = image.Sections[symbol.SectionIndex];
            if ((section.Flags & (ulong)ElfSectionFlags.ExecInstr) == 0)
                continue;
            if (symbol.Value > (ulong)section.Size || (ulong)section.Size - symbol.Value < symbol.Size)
                throw new BpfElfFormatException($"function '{symbol.Name}' [{symbol.Value}, +{symbol.Size}) lies outside its section '{section.Name}' ({section.Size} bytes)", symbol.FileOffset);
            if (symbol.Value % 8 != 0 || symbol.Size % 8 != 0)
                throw new BpfElfFormatException($"function '{symbol.Name}' is not made of whole 8-byte instructions (offset {symbol.Value}, size {symbol.Size})", symbol.FileOffset);
            programs.Add((section.Index, new BpfElfProgram(symbol.Name, section.Name, (long)symbol.Value, (int)(symbol.Size / 8), symbol.Bind != ElfSymbol.BindLocal)));
        }
        return programs.OrderBy(p => p.Section).ThenBy(p => p.Program.Offset).Select(p => p.Program).ToArray();
    }

    private static BpfElfMap[] ReadMaps(ElfImage image, BtfSpec? btf)
    {
        if (image.FindSection("maps") is { } legacy && legacy.Size > 0)
            throw new BpfElfFormatException("legacy map definitions in the 'maps' section are not supported (libbpf 1.0 dropped them too); define maps in '.maps' with __uint/__type", legacy.Offset);
        if (image.FindSection(MapsSection) is not { } section)
            return [];
        if (btf is null)
            throw new BpfElfFormatException("the object has a .maps section but no .BTF to describe it (compile with clang -g)", section.Offset);
        if (!btf.TryFindType(MapsSection, BtfKind.DataSec, out var datasec))
            throw new BpfElfFormatException("the object's BTF has no DATASEC '.maps' describing the .maps section", section.Offset);
        var maps = new List<BpfElfMap>();
        try
        {
            foreach (var info in ((BtfDataSec)datasec).Variables)
            {
                if (info.Type is not BtfVar variable)
                    throw new BpfElfFormatException($"DATASEC '.maps' lists {info.Type}, not a variable");
                var offset = SymbolOffset(image, section, variable.Name) ?? info.Offset;
                maps.Add(BtfMapDefinition.Parse(btf, variable, offset));
            }
        }
        catch (BtfFormatException e)
        {
            throw new BpfElfFormatException($"section .BTF: {e.Message}", -1, e);
        }
        return maps.ToArray();
    }

    private static BpfElfVariable[] ReadVariables(ElfImage image, BtfSpec? btf)
    {
        var variables = new List<(int Section, BpfElfVariable Variable)>();
        foreach (var symbol in image.Symbols)
        {
            if (symbol.Type != ElfSymbol.TypeObject || symbol.SectionIndex == 0 || symbol.SectionIndex >= image.Sections.Count)
                continue;
            var section = image.Sections[symbol.SectionIndex];
            if (!IsDataSection(section.Name))
                continue;
            if (symbol.Value > (ulong)section.Size || (ulong)section.Size - symbol.Value < symbol.Size)
                throw new BpfElfFormatException($"variable '{symbol.Name}' [{symbol.Value}, +{symbol.Size}) lies outside its section '{section.Name}' ({section.Size} bytes)", symbol.FileOffset);
            var initial = image.SectionMemory(section).Slice((int)symbol.Value, (int)symbol.Size);
            var type = btf is null ? null : FindVariableType(btf, section.Name, symbol.Name);
            variables.Add((section.Index, new BpfElfVariable(symbol.Name, section.Name, (long)symbol.Value, (long)symbol.Size, type,
                symbol.Bind != ElfSymbol.BindLocal, initial)));
        }
        return variables.OrderBy(v => v.Section).ThenBy(v => v.Variable.Offset).Select(v => v.Variable).ToArray();
    }

    private static bool IsDataSection(string name)
    {
        foreach (var prefix in (ReadOnlySpan<string>)[".data", ".rodata", ".bss"])
        {
            if (name == prefix || name.StartsWith(prefix + ".", StringComparison.Ordinal))
                return true;
        }
        return false;
    }

    private static BtfType? FindVariableType(BtfSpec btf, string sectionName, string variableName)
    {
        if (!btf.TryFindType(sectionName, BtfKind.DataSec, out var datasec))
            return null;
        foreach (var info in ((BtfDataSec)datasec).Variables)
        {
            if (info.Type is BtfVar variable && variable.Name == variableName)
                return variable.Type;
        }
        return null;
    }

    private static long? SymbolOffset(ElfImage image, ElfSectionHeader section, string name)
    {
        foreach (var symbol in image.Symbols)
        {
            if (symbol.SectionIndex == section.Index && symbol.Name == name)
                return (long)Math.Min(symbol.Value, long.MaxValue);
        }
        return null;
    }
}
