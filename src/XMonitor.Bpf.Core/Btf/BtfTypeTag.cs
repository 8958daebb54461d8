namespace XMonitor.Bpf.Btf;

/// <summary>
/// A <c>btf_type_tag</c> attribute such as <c>__user</c> or <c>__rcu</c> (<c>BTF_KIND_TYPE_TAG</c>);
/// the tag text is the type's <see cref="BtfType.Name"/>.
/// </summary>
public sealed class BtfTypeTag : BtfType
{
    internal BtfTypeTag(BtfSpec spec, int id, ReadOnlySpan<byte> record) : base(spec, id, BtfKind.TypeTag, record)
        => TargetId = (int)U32(record, 8);

    /// <summary>The id of the tagged type.</summary>
    public int TargetId { get; }

    /// <summary>The tagged type.</summary>
    public BtfType Target => Spec.Types[TargetId];

    internal override int ReferencedId => TargetId;
}
