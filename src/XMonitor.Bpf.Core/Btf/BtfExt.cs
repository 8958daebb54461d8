using System.Buffers.Binary;

namespace XMonitor.Bpf.Btf;

/// <summary>
/// A parsed <c>.BTF.ext</c> section: function info, line info and CO-RE relocations, per ELF
/// section. Its strings live in the string section of the object's <c>.BTF</c>.
/// </summary>
public sealed class BtfExt
{
    private const ushort Magic = 0xEB9F;
    private const int MinHeaderSize = 24;
    private const int CoreHeaderSize = 32;
    private const int FuncInfoSize = 8;
    private const int LineInfoSize = 16;
    private const int CoreReloSize = 16;

    private BtfExt(IReadOnlyList<BtfFuncInfo> funcInfos, IReadOnlyList<BtfLineInfo> lineInfos, IReadOnlyList<BtfCoreRelocation> coreRelocations)
    {
        FuncInfos = funcInfos;
        LineInfos = lineInfos;
        CoreRelocations = coreRelocations;
    }

    /// <summary>The func_info records of every section, in file order.</summary>
    public IReadOnlyList<BtfFuncInfo> FuncInfos { get; }

    /// <summary>The line_info records of every section, in file order.</summary>
    public IReadOnlyList<BtfLineInfo> LineInfos { get; }

    /// <summary>The CO-RE relocation records of every section, in file order.</summary>
    public IReadOnlyList<BtfCoreRelocation> CoreRelocations { get; }

    /// <summary>Parses a <c>.BTF.ext</c> section whose strings and type ids refer to <paramref name="btf"/>.</summary>
    /// <exception cref="BtfFormatException">The data is malformed or refers to strings or types <paramref name="btf"/> lacks.</exception>
    public static BtfExt Load(ReadOnlySpan<byte> raw, BtfSpec btf)
    {
        ArgumentNullException.ThrowIfNull(btf);
        if (raw.Length < MinHeaderSize)
            throw new BtfFormatException($".BTF.ext is {raw.Length} bytes, shorter than its {MinHeaderSize}-byte header", 0);
        var magic = BinaryPrimitives.ReadUInt16LittleEndian(raw);
        if (magic != Magic)
            throw new BtfFormatException($"bad .BTF.ext magic 0x{magic:x4} (expected 0x{Magic:x4})", 0);
        if (raw[2] != 1)
            throw new BtfFormatException($"unsupported .BTF.ext version {raw[2]} (expected 1)", 2);
        var headerLength = U32(raw, 4);
        if (headerLength < MinHeaderSize || headerLength > raw.Length)
            throw new BtfFormatException($".BTF.ext header length {headerLength} is outside {MinHeaderSize}..{raw.Length}", 4);
        var body = raw[(int)headerLength..];
        var bodyStart = (int)headerLength;

        var funcInfos = new List<BtfFuncInfo>();
        foreach (var (section, at) in Records(body, bodyStart, U32(raw, 8), U32(raw, 12), FuncInfoSize, "func_info", btf))
        {
            funcInfos.Add(new BtfFuncInfo(section, U32(body, at), TypeId(body, at + 4, bodyStart, btf)));
        }

        var lineInfos = new List<BtfLineInfo>();
        foreach (var (section, at) in Records(body, bodyStart, U32(raw, 16), U32(raw, 20), LineInfoSize, "line_info", btf))
        {
            var lineCol = U32(body, at + 12);
            // line_col packs the line number in the top 22 bits and the column in the low 10.
            lineInfos.Add(new BtfLineInfo(section, U32(body, at), Str(body, at + 4, bodyStart, btf), Str(body, at + 8, bodyStart, btf),
                (int)(lineCol >> 10), (int)(lineCol & 0x3ff)));
        }

        var relocations = new List<BtfCoreRelocation>();
        if (headerLength >= CoreHeaderSize)
        {
            foreach (var (section, at) in Records(body, bodyStart, U32(raw, 24), U32(raw, 28), CoreReloSize, "core_relo", btf))
            {
                relocations.Add(new BtfCoreRelocation(section, U32(body, at), TypeId(body, at + 4, bodyStart, btf),
                    Str(body, at + 8, bodyStart, btf), (BtfCoreRelocationKind)U32(body, at + 12)));
            }
        }
        return new BtfExt(funcInfos, lineInfos, relocations);
    }

    /// <summary>
    /// Walks one info region: a record size, then per ELF section its name offset, a record count
    /// and the records. Returns each record's section name and offset in <paramref name="body"/>.
    /// </summary>
    private static List<(string Section, int Offset)> Records(
        ReadOnlySpan<byte> body, int bodyStart, uint offset, uint length, int minRecordSize, string what, BtfSpec btf)
    {
        var result = new List<(string, int)>();
        if (length == 0)
            return result;
        if (offset + (long)length > body.Length)
            throw new BtfFormatException($"{what} [{offset}, +{length}) extends past the end of .BTF.ext", bodyStart + offset);
        if (length < 4)
            throw new BtfFormatException($"{what} is {length} bytes, too short for its record size", bodyStart + offset);
        var start = (int)offset;
        var end = start + (int)length;
        var recordSize = U32(body, start);
        if (recordSize < minRecordSize || recordSize % 4 != 0 || recordSize > 1024)
            throw new BtfFormatException($"{what} record size {recordSize} is invalid (at least {minRecordSize}, a multiple of 4)", bodyStart + start);
        var pos = start + 4;
        while (pos < end)
        {
            if (end - pos < 8)
                throw new BtfFormatException($"{what} section header is truncated", bodyStart + pos);
            var section = Str(body, pos, bodyStart, btf);
            var count = U32(body, pos + 4);
            if (count == 0)
                throw new BtfFormatException($"{what} for section '{section}' has zero records", bodyStart + pos + 4);
            pos += 8;
            if ((long)count * recordSize > end - pos)
                throw new BtfFormatException($"{what} for section '{section}' claims {count} records of {recordSize} bytes, more than the {end - pos} bytes left", bodyStart + pos - 4);
            for (var i = 0; i < count; i++)
            {
                result.Add((section, pos));
                pos += (int)recordSize;
            }
        }
        return result;
    }

    private static string Str(ReadOnlySpan<byte> body, int at, int bodyStart, BtfSpec btf)
    {
        var offset = U32(body, at);
        if (!btf.IsValidStringOffset(offset))
            throw new BtfFormatException($".BTF.ext refers to string offset {offset}, outside the BTF string section", bodyStart + at);
        return btf.GetString((int)offset);
    }

    private static int TypeId(ReadOnlySpan<byte> body, int at, int bodyStart, BtfSpec btf)
    {
        var id = U32(body, at);
        if (id >= (uint)btf.Types.Count)
            throw new BtfFormatException($".BTF.ext refers to type id {id}, but the last type id is {btf.Types.Count - 1}", bodyStart + at);
        return (int)id;
    }

    private static uint U32(ReadOnlySpan<byte> data, int offset) => BinaryPrimitives.ReadUInt32LittleEndian(data[offset..]);
}
