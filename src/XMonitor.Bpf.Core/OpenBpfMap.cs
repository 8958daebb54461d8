using System.Text;
using XMonitor.Bpf.Interop;

namespace XMonitor.Bpf;

/// <summary>A map of an <see cref="OpenBpfObject"/>: what can be changed before it is created.</summary>
public sealed unsafe class OpenBpfMap
{
    private readonly OpenBpfObject _owner;

    internal OpenBpfMap(OpenBpfObject owner, nint map)
    {
        _owner = owner;
        Pointer = map;
        Name = LibBpf.ToStr(LibBpf.MapName(map)) ?? "";
        IsInternal = LibBpf.MapIsInternal(map);
    }

    /// <summary>The map's name (for internal maps libbpf's <c>obj.rodata</c> form).</summary>
    public string Name { get; }

    /// <summary>True for the maps libbpf makes of <c>.rodata</c>, <c>.data</c>, <c>.bss</c> and <c>.kconfig</c>.</summary>
    public bool IsInternal { get; }

    /// <summary>The map type.</summary>
    public BpfMapType Type => (BpfMapType)LibBpf.MapType(Live);

    /// <summary>Key size in bytes.</summary>
    public int KeySize => (int)LibBpf.MapKeySize(Live);

    /// <summary>Value size in bytes.</summary>
    public int ValueSize => (int)LibBpf.MapValueSize(Live);

    /// <summary>Capacity; for a ring buffer its size in bytes (a power of two, a multiple of the page size).</summary>
    public int MaxEntries
    {
        get => (int)LibBpf.MapMaxEntries(Live);
        set
        {
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(value);
            var rc = LibBpf.MapSetMaxEntries(Live, (uint)value);
            if (rc < 0)
                throw BpfException.FromErrno($"BPF object '{_owner.Name}': map '{Name}': set max entries to {value}", -rc);
        }
    }

    /// <summary>
    /// Whether loading creates the map (default true). Turn it off for a map only programs that are
    /// not loaded use, for example one whose type this kernel lacks; a loaded program that uses it
    /// fails to load.
    /// </summary>
    public bool AutoCreate
    {
        get => LibBpf.MapAutoCreate(Live);
        set
        {
            var rc = LibBpf.MapSetAutoCreate(Live, value);
            if (rc < 0)
                throw BpfException.FromErrno($"BPF object '{_owner.Name}': map '{Name}': set autocreate to {value}", -rc);
        }
    }

    /// <summary>Pins the map at <paramref name="path"/> in bpffs when it is created (reusing a map already pinned there).</summary>
    public void SetPinPath(string path)
    {
        fixed (byte* p = Encoding.UTF8.GetBytes(path + "\0"))
        {
            var rc = LibBpf.MapSetPinPath(Live, p);
            if (rc < 0)
                throw BpfException.FromErrno($"BPF object '{_owner.Name}': map '{Name}': set pin path '{path}'", -rc);
        }
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
}
