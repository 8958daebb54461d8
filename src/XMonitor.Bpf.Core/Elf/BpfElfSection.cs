namespace XMonitor.Bpf.Elf;

/// <summary>One section of a BPF object file.</summary>
public sealed class BpfElfSection
{
    internal BpfElfSection(int index, string name, ElfSectionType type, ElfSectionFlags flags, long offset, long size)
    {
        Index = index;
        Name = name;
        Type = type;
        Flags = flags;
        Offset = offset;
        Size = size;
    }

    /// <summary>The section index (0 is the null section).</summary>
    public int Index { get; }

    /// <summary>The section name, for example <c>tp_btf/sched_switch</c> or <c>.rodata</c>.</summary>
    public string Name { get; }

    /// <summary>The ELF section type.</summary>
    public ElfSectionType Type { get; }

    /// <summary>The ELF section flags.</summary>
    public ElfSectionFlags Flags { get; }

    /// <summary>The offset of the section's data in the file (meaningless for <see cref="ElfSectionType.NoBits"/>).</summary>
    public long Offset { get; }

    /// <summary>The size in bytes.</summary>
    public long Size { get; }

    /// <summary>True when the section holds BPF instructions.</summary>
    public bool IsExecutable => (Flags & ElfSectionFlags.ExecInstr) != 0;

    /// <summary>Describes the section like <c>[3] tp_btf/sched_switch (488 bytes)</c>.</summary>
    public override string ToString() => $"[{Index}] {Name} ({Size} bytes)";
}
