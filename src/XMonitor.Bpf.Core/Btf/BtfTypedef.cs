namespace XMonitor.Bpf.Btf;

/// <summary>A typedef (<c>BTF_KIND_TYPEDEF</c>).</summary>
public sealed class BtfTypedef : BtfType
{
    internal BtfTypedef(BtfSpec spec, int id, ReadOnlySpan<byte> record) : base(spec, id, BtfKind.Typedef, record)
        => TargetId = (int)U32(record, 8);

    /// <summary>The id of the aliased type.</summary>
    public int TargetId { get; }

    /// <summary>The aliased type.</summary>
    public BtfType Target => Spec.Types[TargetId];

    internal override int ReferencedId => TargetId;
}
