namespace XMonitor.Bpf.Btf;

/// <summary>A function prototype (<c>BTF_KIND_FUNC_PROTO</c>).</summary>
public sealed class BtfFuncProto : BtfType
{
    internal BtfFuncProto(BtfSpec spec, int id, ReadOnlySpan<byte> record) : base(spec, id, BtfKind.FuncProto, record)
    {
        ReturnTypeId = (int)U32(record, 8);
        var count = Vlen(record);
        // BTF marks "..." as a last parameter with neither name nor type.
        if (count > 0 && U32(record, 12 + (count - 1) * 8) == 0 && U32(record, 12 + (count - 1) * 8 + 4) == 0)
        {
            IsVariadic = true;
            count--;
        }
        var parameters = new BtfParameter[count];
        for (var i = 0; i < count; i++)
            parameters[i] = new BtfParameter(spec, spec.GetString((int)U32(record, 12 + i * 8)), (int)U32(record, 12 + i * 8 + 4));
        Parameters = parameters;
    }

    /// <summary>The id of the return type (0 for <c>void</c>).</summary>
    public int ReturnTypeId { get; }

    /// <summary>The return type.</summary>
    public BtfType ReturnType => Spec.Types[ReturnTypeId];

    /// <summary>The parameters, without the variadic marker.</summary>
    public IReadOnlyList<BtfParameter> Parameters { get; }

    /// <summary>True when the prototype ends with <c>...</c>.</summary>
    public bool IsVariadic { get; }
}
