namespace XMonitor.Bpf.Btf;

/// <summary>
/// A <c>const</c>, <c>volatile</c> or <c>restrict</c> qualifier (<c>BTF_KIND_CONST</c>,
/// <c>BTF_KIND_VOLATILE</c>, <c>BTF_KIND_RESTRICT</c>); <see cref="BtfType.Kind"/> says which.
/// </summary>
public sealed class BtfQualifier : BtfType
{
    internal BtfQualifier(BtfSpec spec, int id, BtfKind kind, ReadOnlySpan<byte> record) : base(spec, id, kind, record)
        => TargetId = (int)U32(record, 8);

    /// <summary>The id of the qualified type.</summary>
    public int TargetId { get; }

    /// <summary>The qualified type.</summary>
    public BtfType Target => Spec.Types[TargetId];

    internal override int ReferencedId => TargetId;
}
