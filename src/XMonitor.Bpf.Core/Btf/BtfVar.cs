namespace XMonitor.Bpf.Btf;

/// <summary>A variable (<c>BTF_KIND_VAR</c>), listed by a <see cref="BtfDataSec"/>.</summary>
public sealed class BtfVar : BtfType
{
    internal BtfVar(BtfSpec spec, int id, ReadOnlySpan<byte> record) : base(spec, id, BtfKind.Var, record)
    {
        TypeId = (int)U32(record, 8);
        Linkage = (BtfLinkage)U32(record, 12);
    }

    /// <summary>The id of the variable's type.</summary>
    public int TypeId { get; }

    /// <summary>The variable's type.</summary>
    public BtfType Type => Spec.Types[TypeId];

    /// <summary>Static, global or extern.</summary>
    public BtfLinkage Linkage { get; }

    internal override int ReferencedId => TypeId;
}
