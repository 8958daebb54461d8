namespace XMonitor.Bpf.Elf;

/// <summary>The ELF section types found in BPF objects (<c>SHT_*</c>); other values pass through unnamed.</summary>
public enum ElfSectionType : uint
{
    /// <summary>The unused section 0.</summary>
    Null = 0,
    /// <summary>Program code or data.</summary>
    ProgBits = 1,
    /// <summary>The symbol table.</summary>
    SymbolTable = 2,
    /// <summary>A string table.</summary>
    StringTable = 3,
    /// <summary>Relocations with addends.</summary>
    Rela = 4,
    /// <summary>A note.</summary>
    Note = 7,
    /// <summary>Zero-initialized data that takes no space in the file (<c>.bss</c>).</summary>
    NoBits = 8,
    /// <summary>Relocations without addends (what clang emits for BPF).</summary>
    Rel = 9,
    /// <summary>LLVM's address-significance table.</summary>
    LlvmAddrsig = 0x6fff4c03,
}
