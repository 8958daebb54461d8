namespace XMonitor.Bpf.Btf;

/// <summary>A pointer (<c>BTF_KIND_PTR</c>).</summary>
public sealed class BtfPointer : BtfType
{
    internal BtfPointer(BtfSpec spec, int id, ReadOnlySpan<byte> record) : base(spec, id, BtfKind.Pointer, record)
        => TargetId = (int)U32(record, 8);

    /// <summary>The id of the pointed-to type (0 for <c>void *</c>).</summary>
    public int TargetId { get; }

    /// <summary>The pointed-to type.</summary>
    public BtfType Target => Spec.Types[TargetId];

    internal override int ReferencedId => TargetId;
}
