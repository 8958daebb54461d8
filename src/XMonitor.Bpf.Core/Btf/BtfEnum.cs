namespace XMonitor.Bpf.Btf;

/// <summary>An enum with 32-bit (<c>BTF_KIND_ENUM</c>) or 64-bit (<c>BTF_KIND_ENUM64</c>) values.</summary>
public sealed class BtfEnum : BtfType
{
    internal BtfEnum(BtfSpec spec, int id, BtfKind kind, ReadOnlySpan<byte> record) : base(spec, id, kind, record)
    {
        Size = (int)U32(record, 8);
        IsSigned = KindFlag(record);
        var values = new BtfEnumValue[Vlen(record)];
        var recordSize = kind == BtfKind.Enum64 ? 12 : 8;
        for (var i = 0; i < values.Length; i++)
        {
            var at = 12 + i * recordSize;
            var lo = U32(record, at + 4);
            long value = kind == BtfKind.Enum64
                ? (long)(((ulong)U32(record, at + 8) << 32) | lo)
                : IsSigned ? unchecked((int)lo) : lo;
            values[i] = new BtfEnumValue(spec.GetString((int)U32(record, at)), value);
        }
        Values = values;
    }

    /// <summary>The size in bytes.</summary>
    public int Size { get; }

    /// <summary>True when the enum's values are signed (the record's kind_flag).</summary>
    public bool IsSigned { get; }

    /// <summary>The enumerators in declaration order.</summary>
    public IReadOnlyList<BtfEnumValue> Values { get; }
}
