using ELFSharp.ELF;
using ELFSharp.ELF.Sections;
using ELFSharp.ELF.Segments;

namespace XMonitor.Trace;

/// <summary>
/// The function symbols of one ELF file (.symtab, else .dynsym) and its loadable segments, to turn a
/// file offset (from a mapping) into a link-time address and that into <c>symbol+0xoff</c>.
/// </summary>
internal sealed class ElfSymbols
{
    private readonly (ulong Offset, ulong FileSize, ulong Address)[] _segments;
    private readonly (ulong Address, ulong Size, string Name)[] _functions;

    private ElfSymbols((ulong, ulong, ulong)[] segments, (ulong, ulong, string)[] functions, CallFrameInfo? frames, DwarfLines? lines)
    {
        _segments = segments;
        _functions = functions;
        Frames = frames;
        Lines = lines;
    }

    /// <summary>The file's DWARF line table (built with -g), for file:line of a frame.</summary>
    public DwarfLines? Lines { get; }

    /// <summary>The file's .eh_frame, to unwind through its code without frame pointers.</summary>
    public CallFrameInfo? Frames { get; }

    /// <summary>Reads <paramref name="path"/>; null when it is not a readable 64-bit ELF file.</summary>
    public static ElfSymbols? Load(string path)
    {
        try
        {
            if (!ELFReader.TryLoad<ulong>(path, out var elf))
                return null;
            using (elf)
            {
                var segments = elf.Segments.Where(s => s.Type == SegmentType.Load)
                    .Select(s => ((ulong)s.Offset, (ulong)s.FileSize, s.Address)).ToArray();
                var table = elf.Sections.OfType<SymbolTable<ulong>>().FirstOrDefault(t => t.Name == ".symtab")
                    ?? elf.Sections.OfType<SymbolTable<ulong>>().FirstOrDefault(t => t.Name == ".dynsym");
                var functions = table is null
                    ? []
                    : table.Entries.Where(e => e.Type == SymbolType.Function && e.Value != 0 && e.Name.Length > 0)
                        .Select(e => (e.Value, e.Size, e.Name))
                        .OrderBy(f => f.Value).ThenBy(f => f.Name.StartsWith('_') ? 1 : 0)
                        .ToArray();
                var ehFrame = elf.Sections.OfType<Section<ulong>>().FirstOrDefault(t => t.Name == ".eh_frame" && t.Type == SectionType.ProgBits);
                byte[]? Contents(string name) => elf.Sections.FirstOrDefault(t => t.Name == name && t.Type == SectionType.ProgBits)?.GetContents();
                var lines = Contents(".debug_line") is { } debugLine ? DwarfLines.Load(debugLine, Contents(".debug_line_str"), Contents(".debug_str")) : null;
                return new ElfSymbols(segments, functions, ehFrame is null ? null : CallFrameInfo.Load(ehFrame.GetContents(), ehFrame.LoadAddress), lines);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or InvalidOperationException or InvalidDataException or IndexOutOfRangeException or OverflowException)
        {
            return null;
        }
    }

    /// <summary>The link-time address of a file offset, through the PT_LOAD segment that holds it.</summary>
    public ulong? AddressOf(ulong fileOffset)
    {
        foreach (var (offset, size, address) in _segments)
        {
            if (fileOffset >= offset && fileOffset < offset + size)
                return fileOffset - offset + address;
        }
        return null;
    }

    /// <summary>The function containing <paramref name="address"/> (or the nearest one below when sizes are 0).</summary>
    public bool TryResolve(ulong address, out string name, out ulong offset)
    {
        name = "";
        offset = 0;
        var lo = 0;
        var hi = _functions.Length - 1;
        var found = -1;
        while (lo <= hi)
        {
            var mid = (lo + hi) / 2;
            if (_functions[mid].Address <= address)
            {
                found = mid;
                lo = mid + 1;
            }
            else
                hi = mid - 1;
        }
        // Aliases share an address; the first of a run (non-underscore names sort first) is shown.
        while (found > 0 && _functions[found - 1].Address == _functions[found].Address)
            found--;
        if (found < 0)
            return false;
        var f = _functions[found];
        if (f.Size != 0 && address >= f.Address + f.Size)
            return false;
        (name, offset) = (f.Name, address - f.Address);
        return true;
    }
}
