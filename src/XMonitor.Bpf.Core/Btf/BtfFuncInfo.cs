namespace XMonitor.Bpf.Btf;

/// <summary>A <c>.BTF.ext</c> func_info record: which BTF function starts at an instruction.</summary>
/// <param name="Section">The ELF section of the instruction.</param>
/// <param name="InstructionOffset">The byte offset of the instruction in the section.</param>
/// <param name="TypeId">The id of the <see cref="BtfFunc"/>.</param>
public readonly record struct BtfFuncInfo(string Section, uint InstructionOffset, int TypeId)
{
    /// <summary>The index of the instruction in the section (offset / 8).</summary>
    public uint InstructionIndex => InstructionOffset / 8;
}
