using System.Text;
using XMonitor.Bpf.Interop;

namespace XMonitor.Bpf;

/// <summary>A program of an <see cref="OpenBpfObject"/>: what can be changed before load.</summary>
public sealed unsafe class OpenBpfProgram
{
    private readonly OpenBpfObject _owner;

    internal OpenBpfProgram(OpenBpfObject owner, nint prog)
    {
        _owner = owner;
        Pointer = prog;
        Name = LibBpf.ToStr(LibBpf.ProgramName(prog)) ?? "";
        SectionName = LibBpf.ToStr(LibBpf.ProgramSectionName(prog)) ?? "";
    }

    /// <summary>The C function name.</summary>
    public string Name { get; }

    /// <summary>The ELF section (<c>tp_btf/sched_switch</c>), which says how it attaches.</summary>
    public string SectionName { get; }

    /// <summary>How the section says to attach it.</summary>
    public BpfAttachKind AttachKind => BpfAttachKinds.FromSection(SectionName, out _);

    /// <summary>The program type libbpf derived from the section.</summary>
    public BpfProgramType Type
    {
        get => (BpfProgramType)LibBpf.ProgramType(Live);
        set => Check(LibBpf.ProgramSetType(Live, (int)value), "set type");
    }

    /// <summary>Whether <see cref="OpenBpfObject.Load"/> loads this program (default true). Turn
    /// off the programs of attach strategies the running kernel does not offer.</summary>
    public bool Autoload
    {
        get => LibBpf.ProgramAutoload(Live);
        set => Check(LibBpf.ProgramSetAutoload(Live, value), "set autoload");
    }

    /// <summary>Instructions before load-time relocation.</summary>
    public int InstructionCount => (int)LibBpf.ProgramInsnCount(Live);

    /// <summary>Sets the kernel function (fentry/fexit) or tracepoint (tp_btf) to attach to, overriding the section's.</summary>
    public void SetAttachTarget(string functionName)
    {
        fixed (byte* f = Encoding.UTF8.GetBytes(functionName + "\0"))
            Check(LibBpf.ProgramSetAttachTarget(Live, 0, f), $"set attach target '{functionName}'");
    }

    internal nint Pointer { get; }

    private nint Live
    {
        get
        {
            _owner.ThrowIfConsumed();
            return Pointer;
        }
    }

    private void Check(int rc, string what)
    {
        if (rc < 0)
            throw BpfException.FromErrno($"BPF object '{_owner.Name}': program '{Name}': {what}", -rc);
    }
}
