namespace XMonitor.Bpf.Btf;

/// <summary>A function (<c>BTF_KIND_FUNC</c>): its name, linkage and prototype.</summary>
public sealed class BtfFunc : BtfType
{
    internal BtfFunc(BtfSpec spec, int id, ReadOnlySpan<byte> record) : base(spec, id, BtfKind.Func, record)
    {
        PrototypeId = (int)U32(record, 8);
        Linkage = (BtfLinkage)Vlen(record);
    }

    /// <summary>The id of the prototype (a <see cref="BtfFuncProto"/> in well-formed BTF).</summary>
    public int PrototypeId { get; }

    /// <summary>The prototype.</summary>
    public BtfType Prototype => Spec.Types[PrototypeId];

    /// <summary>Static, global or extern.</summary>
    public BtfLinkage Linkage { get; }

    internal override int ReferencedId => PrototypeId;
}
