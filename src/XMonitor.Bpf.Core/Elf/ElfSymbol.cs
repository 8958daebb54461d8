namespace XMonitor.Bpf.Elf;

/// <summary>One ELF64 symbol table entry.</summary>
internal readonly record struct ElfSymbol(string Name, byte Info, ushort SectionIndex, ulong Value, ulong Size, long FileOffset)
{
    public const int TypeObject = 1;
    public const int TypeFunc = 2;
    public const int BindLocal = 0;

    public int Type => Info & 0xf;

    public int Bind => Info >> 4;
}
