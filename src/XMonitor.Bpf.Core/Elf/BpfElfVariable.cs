using XMonitor.Bpf.Btf;

namespace XMonitor.Bpf.Elf;

/// <summary>A global or static variable in <c>.data</c>, <c>.rodata</c>, <c>.bss</c> or one of their <c>.name</c> variants.</summary>
public sealed class BpfElfVariable
{
    internal BpfElfVariable(string name, string sectionName, long offset, long size, BtfType? type, bool isGlobal, ReadOnlyMemory<byte> initialValue)
    {
        Name = name;
        SectionName = sectionName;
        Offset = offset;
        Size = size;
        Type = type;
        IsGlobal = isGlobal;
        InitialValue = initialValue;
    }

    /// <summary>The variable name.</summary>
    public string Name { get; }

    /// <summary>The section holding it.</summary>
    public string SectionName { get; }

    /// <summary>The offset in the section.</summary>
    public long Offset { get; }

    /// <summary>The size in bytes.</summary>
    public long Size { get; }

    /// <summary>The declared type (with its <c>const volatile</c> qualifiers), or null when the object has no BTF for it.</summary>
    public BtfType? Type { get; }

    /// <summary>True for a global variable, false for a static one.</summary>
    public bool IsGlobal { get; }

    /// <summary>True for variables in a read-only section (<c>.rodata</c>): the <c>const volatile</c> settings a loader may patch before load.</summary>
    public bool IsReadOnly => SectionName == ".rodata" || SectionName.StartsWith(".rodata.", StringComparison.Ordinal);

    /// <summary>The initial bytes (zeros for <c>.bss</c>).</summary>
    public ReadOnlyMemory<byte> InitialValue { get; }

    /// <summary>Describes the variable like <c>target_pid (.rodata+0, 4 bytes)</c>.</summary>
    public override string ToString() => $"{Name} ({SectionName}+{Offset}, {Size} bytes)";
}
