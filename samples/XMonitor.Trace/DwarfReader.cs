using System.Buffers.Binary;
using System.Text;

namespace XMonitor.Trace;

/// <summary>A little-endian cursor over DWARF data (.eh_frame, .debug_line): fixed sizes, LEB128, C strings.</summary>
internal sealed class DwarfReader(byte[] data, int position = 0)
{
    public byte[] Data => data;

    public int Position { get; set; } = position;

    public bool AtEnd => Position >= data.Length;

    public byte U8() => data[Position++];

    public ushort U16() => BinaryPrimitives.ReadUInt16LittleEndian(Take(2));

    public uint U32() => BinaryPrimitives.ReadUInt32LittleEndian(Take(4));

    public ulong U64() => BinaryPrimitives.ReadUInt64LittleEndian(Take(8));

    public ulong Uleb()
    {
        ulong result = 0;
        for (var shift = 0; ; shift += 7)
        {
            var b = U8();
            if (shift < 64)
                result |= (ulong)(b & 0x7f) << shift;
            if ((b & 0x80) == 0)
                return result;
        }
    }

    public long Sleb()
    {
        long result = 0;
        var shift = 0;
        byte b;
        do
        {
            b = U8();
            if (shift < 64)
                result |= (long)(b & 0x7f) << shift;
            shift += 7;
        }
        while ((b & 0x80) != 0);
        if (shift < 64 && (b & 0x40) != 0)
            result |= -1L << shift;
        return result;
    }

    public string CString()
    {
        var end = Array.IndexOf(data, (byte)0, Position);
        if (end < 0)
            throw new InvalidDataException("unterminated string");
        var s = Encoding.UTF8.GetString(data, Position, end - Position);
        Position = end + 1;
        return s;
    }

    public void Skip(long count)
    {
        if (count < 0 || Position + count > data.Length)
            throw new InvalidDataException("skip past the end");
        Position += (int)count;
    }

    private ReadOnlySpan<byte> Take(int count)
    {
        if (Position + count > data.Length)
            throw new InvalidDataException("read past the end");
        var span = data.AsSpan(Position, count);
        Position += count;
        return span;
    }
}
