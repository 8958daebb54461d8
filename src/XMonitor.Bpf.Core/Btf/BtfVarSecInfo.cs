namespace XMonitor.Bpf.Btf;

/// <summary>One variable of a data section: where it lives and how big it is.</summary>
public sealed class BtfVarSecInfo
{
    private readonly BtfSpec _spec;

    internal BtfVarSecInfo(BtfSpec spec, int typeId, uint offset, uint size)
    {
        _spec = spec;
        TypeId = typeId;
        Offset = offset;
        Size = size;
    }

    /// <summary>The id of the variable (a <see cref="BtfVar"/>, or a <see cref="BtfFunc"/> for extern functions).</summary>
    public int TypeId { get; }

    /// <summary>The variable.</summary>
    public BtfType Type => _spec.Types[TypeId];

    /// <summary>
    /// The offset in the section as recorded in the BTF. Compilers leave it 0 in object files
    /// (libbpf fills it in from the symbol table at load); <see cref="Elf.BpfElfVariable.Offset"/>
    /// and <see cref="Elf.BpfElfMap.Offset"/> give the real offsets.
    /// </summary>
    public uint Offset { get; }

    /// <summary>The size in bytes.</summary>
    public uint Size { get; }
}
