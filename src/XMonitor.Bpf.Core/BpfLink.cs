using System.Text;
using XMonitor.Bpf.Interop;

namespace XMonitor.Bpf;

/// <summary>
/// One attachment of a program to a kernel hook. Dispose detaches it; disposing the program's
/// <see cref="BpfObject"/> detaches it too. A pinned link (<see cref="Pin"/>) stays attached after
/// the process exits until it is unpinned.
/// </summary>
public sealed unsafe class BpfLink : IDisposable
{
    private readonly BpfLinkHandle _handle;

    internal BpfLink(BpfLinkHandle handle, BpfProgram program, BpfAttachKind kind, string target)
    {
        _handle = handle;
        Program = program;
        Kind = kind;
        Target = target;
    }

    /// <summary>The attached program.</summary>
    public BpfProgram Program { get; }

    /// <summary>How it is attached.</summary>
    public BpfAttachKind Kind { get; }

    /// <summary>What it is attached to: a function, a tracepoint (<c>sched/sched_switch</c>), a binary and symbol.</summary>
    public string Target { get; }

    /// <summary>True until disposed.</summary>
    public bool IsAttached => !_handle.IsClosed;

    /// <summary>The link's file descriptor (-1 for legacy attachments that have none).</summary>
    public int Fd
    {
        get
        {
            using var lease = new HandleLease(_handle, Describe());
            return LibBpf.LinkFd(lease.Pointer);
        }
    }

    /// <summary>Pins the link in bpffs so it outlives this process.</summary>
    public void Pin(string path)
    {
        using var lease = new HandleLease(_handle, Describe());
        fixed (byte* p = Encoding.UTF8.GetBytes(path + "\0"))
        {
            var rc = LibBpf.LinkPin(lease.Pointer, p);
            if (rc < 0)
                throw BpfException.FromErrno($"pin {Describe()} at '{path}'", -rc);
        }
    }

    /// <summary>Removes the pin made by <see cref="Pin"/>.</summary>
    public void Unpin()
    {
        using var lease = new HandleLease(_handle, Describe());
        var rc = LibBpf.LinkUnpin(lease.Pointer);
        if (rc < 0)
            throw BpfException.FromErrno($"unpin {Describe()}", -rc);
    }

    /// <summary>Detaches the program.</summary>
    public void Dispose()
    {
        if (_handle.IsClosed)
            return;
        _handle.Dispose();
        Program.Object.Untrack(this);
    }

    /// <inheritdoc />
    public override string ToString() => Describe();

    private string Describe() => $"link of program '{Program.Name}' ({Kind.Name()} '{Target}')";
}
