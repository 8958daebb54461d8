namespace XMonitor.Bpf.Btf;

/// <summary>A member of a struct or union.</summary>
public sealed class BtfMember
{
    private readonly BtfSpec _spec;

    internal BtfMember(BtfSpec spec, string name, int typeId, long bitOffset, int bitfieldSize)
    {
        _spec = spec;
        Name = name;
        TypeId = typeId;
        BitOffset = bitOffset;
        BitfieldSize = bitfieldSize;
    }

    /// <summary>The member name, or an empty string for an anonymous struct or union member.</summary>
    public string Name { get; }

    /// <summary>The id of the member type.</summary>
    public int TypeId { get; }

    /// <summary>The member type.</summary>
    public BtfType Type => _spec.Types[TypeId];

    /// <summary>The offset in bits from the start of the containing struct or union.</summary>
    public long BitOffset { get; }

    /// <summary>The offset in whole bytes (rounded down for bitfields).</summary>
    public long ByteOffset => BitOffset / 8;

    /// <summary>The bitfield width in bits, or 0 when the member is not a bitfield.</summary>
    public int BitfieldSize { get; }

    /// <summary>True when the member is a bitfield.</summary>
    public bool IsBitfield => BitfieldSize != 0;

    /// <summary>Describes the member like <c>pid: type 9 at bit 0</c>.</summary>
    public override string ToString()
        => $"{(Name.Length == 0 ? "(anon)" : Name)}: type {TypeId} at bit {BitOffset}{(IsBitfield ? $", {BitfieldSize} bits" : "")}";
}
