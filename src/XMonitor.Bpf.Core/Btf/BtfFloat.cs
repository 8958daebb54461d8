namespace XMonitor.Bpf.Btf;

/// <summary>A floating point type (<c>BTF_KIND_FLOAT</c>).</summary>
public sealed class BtfFloat : BtfType
{
    internal BtfFloat(BtfSpec spec, int id, ReadOnlySpan<byte> record) : base(spec, id, BtfKind.Float, record)
        => Size = (int)U32(record, 8);

    /// <summary>The size in bytes.</summary>
    public int Size { get; }
}
