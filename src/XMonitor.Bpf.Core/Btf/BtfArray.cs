namespace XMonitor.Bpf.Btf;

/// <summary>An array (<c>BTF_KIND_ARRAY</c>).</summary>
public sealed class BtfArray : BtfType
{
    internal BtfArray(BtfSpec spec, int id, ReadOnlySpan<byte> record) : base(spec, id, BtfKind.Array, record)
    {
        ElementTypeId = (int)U32(record, 12);
        IndexTypeId = (int)U32(record, 16);
        Length = U32(record, 20);
    }

    /// <summary>The id of the element type.</summary>
    public int ElementTypeId { get; }

    /// <summary>The element type.</summary>
    public BtfType ElementType => Spec.Types[ElementTypeId];

    /// <summary>The id of the index type (an integer, by convention).</summary>
    public int IndexTypeId { get; }

    /// <summary>The number of elements (0 for flexible array members).</summary>
    public uint Length { get; }
}
