namespace XMonitor.Bpf.Btf;

/// <summary>Type id 0, <c>void</c>: the target of <c>void *</c> and the return type of void functions.</summary>
public sealed class BtfVoid : BtfType
{
    internal BtfVoid(BtfSpec spec) : base(spec, 0, BtfKind.Void, default)
    {
    }

    /// <summary>Describes the type as <c>void</c>.</summary>
    public override string ToString() => "void (id 0)";
}
