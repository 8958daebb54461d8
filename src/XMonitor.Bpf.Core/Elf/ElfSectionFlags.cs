namespace XMonitor.Bpf.Elf;

/// <summary>ELF section flags (<c>SHF_*</c>).</summary>
[Flags]
public enum ElfSectionFlags : ulong
{
    /// <summary>No flags.</summary>
    None = 0,
    /// <summary>Writable at run time.</summary>
    Write = 0x1,
    /// <summary>Occupies memory at run time.</summary>
    Alloc = 0x2,
    /// <summary>Holds instructions.</summary>
    ExecInstr = 0x4,
    /// <summary>Mergeable data.</summary>
    Merge = 0x10,
    /// <summary>Holds NUL-terminated strings.</summary>
    Strings = 0x20,
    /// <summary><c>sh_info</c> holds a section index.</summary>
    InfoLink = 0x40,
}
