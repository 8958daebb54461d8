namespace XMonitor.Bpf.Elf;

/// <summary>A BPF function found in an executable section of an object file.</summary>
public sealed class BpfElfProgram
{
    internal BpfElfProgram(string name, string sectionName, long offset, int instructionCount, bool isGlobal)
    {
        Name = name;
        SectionName = sectionName;
        Offset = offset;
        InstructionCount = instructionCount;
        IsGlobal = isGlobal;
    }

    /// <summary>The function name.</summary>
    public string Name { get; }

    /// <summary>The section it lives in; libbpf derives the program type from it (for example <c>tp_btf/sched_switch</c>).</summary>
    public string SectionName { get; }

    /// <summary>The byte offset of the first instruction in the section.</summary>
    public long Offset { get; }

    /// <summary>The number of 8-byte instruction slots (a 64-bit immediate load takes two).</summary>
    public int InstructionCount { get; }

    /// <summary>True for a global function, false for a static one.</summary>
    public bool IsGlobal { get; }

    /// <summary>
    /// True when the function is in <c>.text</c>: libbpf treats those as subprograms called by
    /// programs, not as programs of their own.
    /// </summary>
    public bool IsSubprogram => SectionName == ".text";

    /// <summary>How libbpf attaches it, from the section name (<see cref="BpfAttachKind.Other"/> for subprograms and other types).</summary>
    public BpfAttachKind AttachKind => BpfAttachKinds.FromSection(SectionName, out _);

    /// <summary>What the section names as its attach target (<c>sched/sched_switch</c> of <c>tp/sched/sched_switch</c>).</summary>
    public string AttachTarget
    {
        get
        {
            BpfAttachKinds.FromSection(SectionName, out var target);
            return target;
        }
    }

    /// <summary>Describes the program like <c>handle_switch (tp_btf/sched_switch, 61 insns)</c>.</summary>
    public override string ToString() => $"{Name} ({SectionName}, {InstructionCount} insns)";
}
