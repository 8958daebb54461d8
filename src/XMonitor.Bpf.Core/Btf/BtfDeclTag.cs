namespace XMonitor.Bpf.Btf;

/// <summary>
/// A <c>btf_decl_tag</c> attribute on a declaration (<c>BTF_KIND_DECL_TAG</c>); the tag text is the
/// type's <see cref="BtfType.Name"/>.
/// </summary>
public sealed class BtfDeclTag : BtfType
{
    internal BtfDeclTag(BtfSpec spec, int id, ReadOnlySpan<byte> record) : base(spec, id, BtfKind.DeclTag, record)
    {
        TargetId = (int)U32(record, 8);
        ComponentIndex = unchecked((int)U32(record, 12));
    }

    /// <summary>The id of the tagged struct, union, variable, typedef or function.</summary>
    public int TargetId { get; }

    /// <summary>The tagged declaration.</summary>
    public BtfType Target => Spec.Types[TargetId];

    /// <summary>The index of the tagged member or parameter, or -1 when the declaration itself is tagged.</summary>
    public int ComponentIndex { get; }

    internal override int ReferencedId => TargetId;
}
