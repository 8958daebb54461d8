namespace XMonitor.Trace;

/// <summary>
/// The .debug_line tables of an ELF file (DWARF versions 2 to 5): which source file and line each
/// link-time code address comes from.
/// </summary>
internal sealed class DwarfLines
{
    private readonly Row[] _rows;

    private DwarfLines(Row[] rows) => _rows = rows;

    private readonly record struct Row(ulong Address, string File, int Line, bool EndSequence);

    /// <summary>Decodes .debug_line; null when it is malformed. The string sections serve DWARF 5's string forms.</summary>
    public static DwarfLines? Load(byte[] debugLine, byte[]? debugLineStr, byte[]? debugStr)
    {
        try
        {
            var rows = new List<Row>();
            var r = new DwarfReader(debugLine);
            while (!r.AtEnd)
                ReadUnit(r, debugLineStr, debugStr, rows);
            return new DwarfLines([.. rows.OrderBy(x => x.Address).ThenBy(x => x.EndSequence ? 0 : 1)]);
        }
        catch (Exception e) when (e is InvalidDataException or IndexOutOfRangeException or ArgumentOutOfRangeException or OverflowException)
        {
            return null;
        }
    }

    /// <summary>"file:line" for a link-time address, or null when no sequence covers it.</summary>
    public string? Find(ulong address)
    {
        var lo = 0;
        var hi = _rows.Length - 1;
        var found = -1;
        while (lo <= hi)
        {
            var mid = (lo + hi) / 2;
            if (_rows[mid].Address <= address)
            {
                found = mid;
                lo = mid + 1;
            }
            else
                hi = mid - 1;
        }
        if (found < 0 || _rows[found].EndSequence)
            return null;
        return $"{_rows[found].File}:{_rows[found].Line}";
    }

    private static void ReadUnit(DwarfReader r, byte[]? lineStr, byte[]? str, List<Row> rows)
    {
        long length = r.U32();
        var offsetSize = 4;
        if (length == 0xffffffff)
            (length, offsetSize) = ((long)r.U64(), 8);
        if (length <= 0 || length > r.Data.Length - r.Position)
            throw new InvalidDataException("line table unit runs past the section");
        var end = r.Position + (int)length;
        var version = r.U16();
        var addressSize = 8;
        if (version >= 5)
        {
            addressSize = r.U8();
            r.U8();
        }
        var headerLength = offsetSize == 8 ? (long)r.U64() : r.U32();
        if (headerLength > end - r.Position)
            throw new InvalidDataException("line table header runs past its unit");
        var programStart = r.Position + (int)headerLength;
        var minInstruction = r.U8();
        if (version >= 4)
            r.U8();
        r.U8(); // default_is_stmt: every row is used, statement or not
        var lineBase = (sbyte)r.U8();
        var lineRange = r.U8();
        var opcodeBase = r.U8();
        var opcodeLengths = new byte[opcodeBase];
        for (var i = 1; i < opcodeBase; i++)
            opcodeLengths[i] = r.U8();

        List<string> files;
        if (version >= 5)
        {
            var directories = ReadEntries(r, lineStr, str, offsetSize, null);
            files = ReadEntries(r, lineStr, str, offsetSize, directories);
        }
        else
            files = ReadV4Files(r);

        r.Position = programStart;
        ulong address = 0;
        int file = version >= 5 ? 0 : 1, line = 1;
        string FileName(int index) => index >= 0 && index < files.Count ? files[index] : "?";
        var fileBias = version >= 5 ? 0 : -1;
        while (r.Position < end)
        {
            var op = r.U8();
            if (op >= opcodeBase)
            {
                var adjusted = op - opcodeBase;
                address += (ulong)(adjusted / lineRange * minInstruction);
                line += lineBase + (adjusted % lineRange);
                rows.Add(new Row(address, FileName(file + fileBias), line, false));
                continue;
            }
            switch (op)
            {
                case 0:
                    var size = r.Uleb();
                    if (size == 0 || size > (ulong)(end - r.Position))
                        throw new InvalidDataException("extended line opcode runs past its unit");
                    var next = r.Position + (int)size;
                    var sub = r.U8();
                    if (sub == 1)
                    {
                        rows.Add(new Row(address, "", 0, true));
                        (address, file, line) = (0, version >= 5 ? 0 : 1, 1);
                    }
                    else if (sub == 2)
                        address = addressSize == 8 ? r.U64() : r.U32();
                    r.Position = next;
                    break;
                case 1: rows.Add(new Row(address, FileName(file + fileBias), line, false)); break;
                case 2: address += r.Uleb() * minInstruction; break;
                case 3: line += (int)r.Sleb(); break;
                case 4: file = (int)r.Uleb(); break;
                case 8: address += (ulong)((255 - opcodeBase) / lineRange * minInstruction); break;
                case 9: address += r.U16(); break;
                default:
                    for (var i = 0; i < opcodeLengths[op]; i++)
                        r.Uleb();
                    break;
            }
        }
        r.Position = end;
    }

    // DWARF 5: a format (content type, form pairs), then the entries in it. Paths of files are
    // joined to their directory (directory 0 is the compilation directory).
    private static List<string> ReadEntries(DwarfReader r, byte[]? lineStr, byte[]? str, int offsetSize, List<string>? directories)
    {
        var format = new (ulong Content, ulong Form)[r.U8()];
        for (var i = 0; i < format.Length; i++)
            format[i] = (r.Uleb(), r.Uleb());
        var count = r.Uleb();
        var entries = new List<string>();
        for (ulong n = 0; n < count; n++)
        {
            string path = "";
            var directory = 0;
            foreach (var (content, form) in format)
            {
                var (text, number) = ReadForm(r, form, lineStr, str, offsetSize);
                if (content == 1)
                    path = text ?? "";
                else if (content == 2)
                    directory = (int)number;
            }
            entries.Add(directories is null || path.StartsWith('/') || directory >= directories.Count
                ? path
                : Path.Combine(directories[directory], path));
        }
        return entries;
    }

    private static (string? Text, ulong Number) ReadForm(DwarfReader r, ulong form, byte[]? lineStr, byte[]? str, int offsetSize)
    {
        switch (form)
        {
            case 0x08: return (r.CString(), 0);
            case 0x1f: return (StringAt(lineStr, offsetSize == 8 ? r.U64() : r.U32()), 0);
            case 0x0e: return (StringAt(str, offsetSize == 8 ? r.U64() : r.U32()), 0);
            case 0x0b: return (null, r.U8());
            case 0x05: return (null, r.U16());
            case 0x06: return (null, r.U32());
            case 0x07: return (null, r.U64());
            case 0x0f: return (null, r.Uleb());
            case 0x1e: r.Skip(16); return (null, 0);
            case 0x09: r.Skip((long)r.Uleb()); return (null, 0);
            default: throw new InvalidDataException($"line table form 0x{form:x}");
        }
    }

    private static string StringAt(byte[]? section, ulong offset)
    {
        if (section is null)
            throw new InvalidDataException("string section missing");
        return new DwarfReader(section, checked((int)offset)).CString();
    }

    private static List<string> ReadV4Files(DwarfReader r)
    {
        var directories = new List<string> { "" };
        while (r.CString() is { Length: > 0 } d)
            directories.Add(d);
        var files = new List<string>();
        while (r.CString() is { Length: > 0 } name)
        {
            var directory = (int)r.Uleb();
            r.Uleb();
            r.Uleb();
            files.Add(name.StartsWith('/') || directory == 0 || directory >= directories.Count ? name : Path.Combine(directories[directory], name));
        }
        return files;
    }
}
