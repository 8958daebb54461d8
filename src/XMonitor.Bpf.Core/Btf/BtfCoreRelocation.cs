namespace XMonitor.Bpf.Btf;

/// <summary>A <c>.BTF.ext</c> CO-RE relocation record (<c>struct bpf_core_relo</c>).</summary>
/// <param name="Section">The ELF section of the instruction.</param>
/// <param name="InstructionOffset">The byte offset of the instruction to patch.</param>
/// <param name="TypeId">The id of the root type in the object's BTF.</param>
/// <param name="AccessString">The access path, like <c>0:1:2</c> (member and array indexes from the root type).</param>
/// <param name="Kind">What is computed.</param>
public readonly record struct BtfCoreRelocation(string Section, uint InstructionOffset, int TypeId, string AccessString, BtfCoreRelocationKind Kind)
{
    /// <summary>The index of the instruction in the section (offset / 8).</summary>
    public uint InstructionIndex => InstructionOffset / 8;
}
