namespace XMonitor.Bpf.Elf;

/// <summary>One validated ELF64 section header.</summary>
internal readonly record struct ElfSectionHeader(
    int Index, string Name, uint Type, ulong Flags, long Offset, long Size, uint Link)
{
    public bool HasFileData => Type != (uint)ElfSectionType.NoBits && Type != (uint)ElfSectionType.Null;
}
