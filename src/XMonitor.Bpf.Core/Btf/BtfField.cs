namespace XMonitor.Bpf.Btf;

/// <summary>
/// A member found by name or path in a struct or union, with its offset counted from the start of
/// the outermost type searched (members of anonymous structs and unions, and every step of a path,
/// are added up).
/// </summary>
public sealed class BtfField
{
    internal BtfField(string name, BtfType type, long bitOffset, int bitfieldSize)
    {
        Name = name;
        Type = type;
        BitOffset = bitOffset;
        BitfieldSize = bitfieldSize;
    }

    /// <summary>The member name (the last component of a path).</summary>
    public string Name { get; }

    /// <summary>The member's declared type.</summary>
    public BtfType Type { get; }

    /// <summary>The offset in bits from the start of the outermost type.</summary>
    public long BitOffset { get; }

    /// <summary>The offset in whole bytes (rounded down for bitfields).</summary>
    public long ByteOffset => BitOffset / 8;

    /// <summary>The bitfield width in bits, or 0 when the member is not a bitfield.</summary>
    public int BitfieldSize { get; }

    /// <summary>True when the member is a bitfield.</summary>
    public bool IsBitfield => BitfieldSize != 0;

    /// <summary>Describes the field like <c>pid at byte 2456</c>.</summary>
    public override string ToString()
        => IsBitfield ? $"{Name} at bit {BitOffset} ({BitfieldSize} bits)" : $"{Name} at byte {ByteOffset}";
}
