namespace XMonitor.Bpf.Btf;

/// <summary>An integer, <c>char</c> or <c>bool</c> type (<c>BTF_KIND_INT</c>).</summary>
public sealed class BtfInt : BtfType
{
    internal BtfInt(BtfSpec spec, int id, ReadOnlySpan<byte> record) : base(spec, id, BtfKind.Int, record)
    {
        Size = (int)U32(record, 8);
        var data = U32(record, 12);
        Encoding = (BtfIntEncoding)((data >> 24) & 0x0f);
        BitOffset = (int)((data >> 16) & 0xff);
        Bits = (int)(data & 0xff);
    }

    /// <summary>The storage size in bytes.</summary>
    public int Size { get; }

    /// <summary>Signedness, char or bool.</summary>
    public BtfIntEncoding Encoding { get; }

    /// <summary>The bit offset of the value inside its storage (0 for every type compilers emit today).</summary>
    public int BitOffset { get; }

    /// <summary>The number of value bits.</summary>
    public int Bits { get; }

    /// <summary>True for signed integers.</summary>
    public bool IsSigned => (Encoding & BtfIntEncoding.Signed) != 0;
}
