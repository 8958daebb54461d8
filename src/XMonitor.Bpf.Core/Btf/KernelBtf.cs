using System.Runtime.InteropServices;
using System.Text;
using XMonitor.Bpf.Interop;

namespace XMonitor.Bpf.Btf;

/// <summary>
/// Questions to the running kernel's BTF that touch only a few of its types: does the kernel have
/// the function <c>X</c> (what fentry needs), what does the typedef <c>Y</c> point to, which
/// parameters does a prototype take. libbpf parses the kernel's BTF in native memory (as it does
/// for CO-RE at every object load: a few milliseconds), each query decodes only the type it is
/// asked about, and <see cref="Dispose"/> frees it all. Open one, ask, and dispose it at once.
/// </summary>
/// <remarks>
/// <see cref="BtfSpec.LoadKernel"/> builds the kernel's BTF in managed memory instead, the model
/// for walking many types, member offsets or C declarations: the first lookup by name there
/// allocates about 18 MB on a 6.x kernel (the 5.5 MB file and an index of ~126,000 names), which
/// an idle process keeps in its RSS until a full garbage collection. Types here are named by their
/// BTF id (0 is <c>void</c>), valid with the instance that returned them. Queries may run on
/// several threads; a query after <see cref="Dispose"/> throws <see cref="ObjectDisposedException"/>.
/// </remarks>
public sealed unsafe class KernelBtf : IDisposable
{
    private const string ObjectName = "kernel BTF";
    private const int HeaderSize = 12;

    // The same bound as BtfSpec's (libbpf's MAX_RESOLVE_DEPTH): real BTF never comes close.
    private const int MaxResolveDepth = 32;

    private readonly BtfHandle _handle;

    private KernelBtf(BtfHandle handle)
    {
        _handle = handle;
        TypeCount = (int)LibBpf.BtfTypeCount(handle.DangerousGetHandle());
    }

    /// <summary>The number of type ids, <c>void</c> included: ids run from 0 to <c>TypeCount - 1</c>.</summary>
    public int TypeCount { get; }

    /// <summary>
    /// Parses the running kernel's BTF: <see cref="BtfSpec.KernelBtfPath"/>, or where libbpf looks
    /// next on kernels without it (<c>/boot/vmlinux-RELEASE</c> and the like).
    /// </summary>
    /// <exception cref="BpfNotSupportedException">The kernel has no BTF (built without <c>CONFIG_DEBUG_INFO_BTF</c>).</exception>
    /// <exception cref="BpfException">libbpf could not read or parse it.</exception>
    public static KernelBtf Open()
    {
        const string context = "load kernel BTF";
        var btf = LibBpf.BtfLoadVmlinux();
        if (btf == 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            // libbpf says ESRCH when no location holds BTF.
            throw errno is Errno.ESRCH or Errno.ENOENT
                ? new BpfNotSupportedException(context, "kernel BTF", errno, "the kernel was built without CONFIG_DEBUG_INFO_BTF")
                : BpfException.FromErrno(context, errno);
        }
        return new KernelBtf(new BtfHandle(btf));
    }

    /// <summary>Finds the first (lowest id) type of <paramref name="kind"/> named <paramref name="name"/>, like libbpf's <c>btf__find_by_name_kind</c>.</summary>
    /// <exception cref="ObjectDisposedException">The instance was disposed.</exception>
    public bool TryFindType(string name, BtfKind kind, out int typeId)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        typeId = 0;
        if (name.Contains('\0'))
            return false;
        var length = Encoding.UTF8.GetMaxByteCount(name.Length) + 1;
        Span<byte> utf8 = length <= 512 ? stackalloc byte[length] : new byte[length];
        utf8[Encoding.UTF8.GetBytes(name, utf8)] = 0;
        using var lease = new HandleLease(_handle, ObjectName);
        int id;
        fixed (byte* p = utf8)
            id = LibBpf.BtfFindByNameKind(lease.Pointer, p, (uint)kind);
        // A negative errno (ENOENT) when there is none; 0 only for void, which has no name.
        if (id <= 0)
            return false;
        typeId = id;
        return true;
    }

    /// <summary>The kind of the type <paramref name="typeId"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">No such id.</exception>
    /// <exception cref="ObjectDisposedException">The instance was disposed.</exception>
    public BtfKind GetKind(int typeId)
    {
        using var lease = new HandleLease(_handle, ObjectName);
        return (BtfKind)Header(lease.Pointer, typeId)->Kind;
    }

    /// <summary>The name of the type <paramref name="typeId"/>; empty for anonymous types and <c>void</c>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">No such id.</exception>
    /// <exception cref="ObjectDisposedException">The instance was disposed.</exception>
    public string GetName(int typeId)
    {
        using var lease = new HandleLease(_handle, ObjectName);
        return LibBpf.ToStr(LibBpf.BtfNameByOffset(lease.Pointer, Header(lease.Pointer, typeId)->NameOff)) ?? "";
    }

    /// <summary>
    /// The one type <paramref name="typeId"/> refers to: what a pointer points to, what a typedef,
    /// qualifier or type tag names, a function's prototype, a variable's type, a prototype's return
    /// type (0: <c>void</c>).
    /// </summary>
    /// <exception cref="ArgumentException">The type's kind refers to no single type (a struct, an int...).</exception>
    /// <exception cref="ArgumentOutOfRangeException">No such id.</exception>
    /// <exception cref="ObjectDisposedException">The instance was disposed.</exception>
    public int GetReferencedType(int typeId)
    {
        using var lease = new HandleLease(_handle, ObjectName);
        var header = Header(lease.Pointer, typeId);
        return (BtfKind)header->Kind switch
        {
            BtfKind.Pointer or BtfKind.Typedef or BtfKind.Volatile or BtfKind.Const or BtfKind.Restrict or BtfKind.TypeTag
                or BtfKind.Func or BtfKind.Var or BtfKind.DeclTag or BtfKind.FuncProto => (int)header->SizeOrType,
            var kind => throw new ArgumentException($"type {typeId} is a {kind}, which refers to no single type", nameof(typeId)),
        };
    }

    /// <summary>Skips typedefs, <c>const</c>, <c>volatile</c>, <c>restrict</c> and type tags from <paramref name="typeId"/> and returns the underlying type's id.</summary>
    /// <exception cref="BtfFormatException">The chain is cyclic or absurdly long.</exception>
    /// <exception cref="ArgumentOutOfRangeException">No such id.</exception>
    /// <exception cref="ObjectDisposedException">The instance was disposed.</exception>
    public int Resolve(int typeId)
    {
        using var lease = new HandleLease(_handle, ObjectName);
        var id = typeId;
        for (var depth = 0; depth <= MaxResolveDepth; depth++)
        {
            var header = Header(lease.Pointer, id);
            if ((BtfKind)header->Kind is not (BtfKind.Typedef or BtfKind.Const or BtfKind.Volatile or BtfKind.Restrict or BtfKind.TypeTag))
                return id;
            id = (int)header->SizeOrType;
        }
        throw new BtfFormatException($"the typedef/qualifier chain starting at type {typeId} is longer than {MaxResolveDepth} links or cyclic");
    }

    /// <summary>The type ids of the parameters of the prototype <paramref name="funcProtoId"/>, without the marker of <c>...</c>.</summary>
    /// <exception cref="ArgumentException">The type is not a <see cref="BtfKind.FuncProto"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException">No such id.</exception>
    /// <exception cref="ObjectDisposedException">The instance was disposed.</exception>
    public IReadOnlyList<int> GetParameterTypes(int funcProtoId)
    {
        using var lease = new HandleLease(_handle, ObjectName);
        var header = Header(lease.Pointer, funcProtoId);
        if ((BtfKind)header->Kind != BtfKind.FuncProto)
            throw new ArgumentException($"type {funcProtoId} is a {(BtfKind)header->Kind}, not a {BtfKind.FuncProto}", nameof(funcProtoId));
        // struct btf_param { name_off; type; } follows the header, one per parameter.
        var parameters = (uint*)((byte*)header + HeaderSize);
        var count = header->Vlen;
        // BTF marks "..." as a last parameter with neither name nor type.
        if (count > 0 && parameters[(count - 1) * 2] == 0 && parameters[(count - 1) * 2 + 1] == 0)
            count--;
        var types = new int[count];
        for (var i = 0; i < count; i++)
            types[i] = (int)parameters[i * 2 + 1];
        return types;
    }

    /// <summary>Frees libbpf's copy of the kernel's BTF.</summary>
    public void Dispose() => _handle.Dispose();

    /// <summary>Holds the native BTF for raw reads (<see cref="MinimalKernelBtf"/>) until the lease is disposed.</summary>
    internal HandleLease Lease() => new(_handle, ObjectName);

    private BtfTypeHeader* Header(nint btf, int typeId)
    {
        if ((uint)typeId >= (uint)TypeCount)
            throw new ArgumentOutOfRangeException(nameof(typeId), typeId, $"kernel BTF type ids run from 0 to {TypeCount - 1}");
        // btf__type_by_id checks the id again and returns its static void record for 0.
        return LibBpf.BtfTypeById(btf, (uint)typeId);
    }
}
