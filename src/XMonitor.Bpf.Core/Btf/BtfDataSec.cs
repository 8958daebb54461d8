namespace XMonitor.Bpf.Btf;

/// <summary>A data section such as <c>.data</c>, <c>.rodata</c>, <c>.bss</c> or <c>.maps</c> (<c>BTF_KIND_DATASEC</c>).</summary>
public sealed class BtfDataSec : BtfType
{
    internal BtfDataSec(BtfSpec spec, int id, ReadOnlySpan<byte> record) : base(spec, id, BtfKind.DataSec, record)
    {
        Size = U32(record, 8);
        var variables = new BtfVarSecInfo[Vlen(record)];
        for (var i = 0; i < variables.Length; i++)
        {
            var at = 12 + i * 12;
            variables[i] = new BtfVarSecInfo(spec, (int)U32(record, at), U32(record, at + 4), U32(record, at + 8));
        }
        Variables = variables;
    }

    /// <summary>The section size in bytes (0 in object files, where the ELF section has the size).</summary>
    public uint Size { get; }

    /// <summary>The section's variables.</summary>
    public IReadOnlyList<BtfVarSecInfo> Variables { get; }
}
