namespace XMonitor.Bpf.Btf;

/// <summary>A <c>.BTF.ext</c> line_info record: the source line an instruction came from.</summary>
/// <param name="Section">The ELF section of the instruction.</param>
/// <param name="InstructionOffset">The byte offset of the instruction in the section.</param>
/// <param name="FileName">The source file name.</param>
/// <param name="LineText">The text of the source line.</param>
/// <param name="Line">The 1-based line number.</param>
/// <param name="Column">The 1-based column, or 0 when unknown.</param>
public readonly record struct BtfLineInfo(string Section, uint InstructionOffset, string FileName, string LineText, int Line, int Column)
{
    /// <summary>The index of the instruction in the section (offset / 8).</summary>
    public uint InstructionIndex => InstructionOffset / 8;
}
