namespace XMonitor.Bpf.Btf;

/// <summary>A forward declaration of a struct or union (<c>BTF_KIND_FWD</c>).</summary>
public sealed class BtfForward : BtfType
{
    internal BtfForward(BtfSpec spec, int id, ReadOnlySpan<byte> record) : base(spec, id, BtfKind.Forward, record)
        => IsUnion = KindFlag(record);

    /// <summary>True for <c>union X;</c>, false for <c>struct X;</c>.</summary>
    public bool IsUnion { get; }
}
