using System.Buffers.Binary;
using System.Text;

namespace XMonitor.Bpf.Tests.Btf;

/// <summary>Writes small raw BTF blobs by hand, to test edge cases compilers never produce.</summary>
internal sealed class BtfBuilder
{
    private readonly List<uint> _types = [];
    private readonly List<byte> _strings;
    private readonly int _firstStringOffset;
    private int _nextId;

    /// <summary>Starts plain BTF, or split BTF whose ids and string offsets continue a base's.</summary>
    public BtfBuilder(int firstId = 1, int firstStringOffset = 0)
    {
        _nextId = firstId;
        _firstStringOffset = firstStringOffset;
        // Split BTF shares the base's empty string at offset 0.
        _strings = firstId == 1 ? [0] : [];
    }

    public int String(string value)
    {
        var offset = _firstStringOffset + _strings.Count;
        _strings.AddRange(Encoding.UTF8.GetBytes(value + "\0"));
        return offset;
    }

    /// <summary>Adds a type record (name offset, kind, vlen, kind flag, size/type) and its extra words; returns its id.</summary>
    public int Type(int nameOffset, int kind, int vlen, uint sizeOrType, bool kindFlag = false, params uint[] extra)
    {
        _types.Add((uint)nameOffset);
        _types.Add((uint)(vlen & 0xffff) | ((uint)kind << 24) | (kindFlag ? 0x8000_0000u : 0));
        _types.Add(sizeOrType);
        _types.AddRange(extra);
        return _nextId++;
    }

    public int Int(string name, int size) => Type(String(name), 1, 0, (uint)size, false, (uint)(size * 8));

    public byte[] Build()
    {
        var typeBytes = _types.Count * 4;
        var strings = _strings.ToArray();
        var data = new byte[24 + typeBytes + strings.Length];
        BinaryPrimitives.WriteUInt16LittleEndian(data, 0xEB9F);
        data[2] = 1;
        BinaryPrimitives.WriteUInt32LittleEndian(data.AsSpan(4), 24);
        BinaryPrimitives.WriteUInt32LittleEndian(data.AsSpan(8), 0);
        BinaryPrimitives.WriteUInt32LittleEndian(data.AsSpan(12), (uint)typeBytes);
        BinaryPrimitives.WriteUInt32LittleEndian(data.AsSpan(16), (uint)typeBytes);
        BinaryPrimitives.WriteUInt32LittleEndian(data.AsSpan(20), (uint)strings.Length);
        for (var i = 0; i < _types.Count; i++)
            BinaryPrimitives.WriteUInt32LittleEndian(data.AsSpan(24 + i * 4), _types[i]);
        strings.CopyTo(data, 24 + typeBytes);
        return data;
    }
}
