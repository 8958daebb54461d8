using System.Reflection;
using XMonitor.Bpf.Interop;

namespace XMonitor.Bpf;

/// <summary>
/// A BPF object loaded into the kernel: its programs and maps. Open one with
/// <see cref="OpenFile"/>, <see cref="OpenMemory"/> or <see cref="OpenEmbedded"/>, configure the
/// returned <see cref="OpenBpfObject"/>, then load it.
/// Disposing detaches every link made through its programs that is still attached, then closes
/// its programs and maps; program and map views throw <see cref="ObjectDisposedException"/> afterwards.
/// </summary>
/// <example>
/// <code>
/// using var open = BpfObject.OpenEmbedded(typeof(MyProbe).Assembly, "counter.bpf.o");
/// open.SetConstant("target_pid", 1234);
/// using var obj = open.Load();
/// using var link = obj.GetProgram("count_switches").Attach();
/// var counts = obj.GetMap("counts").AsTyped&lt;uint, ulong&gt;();
/// </code>
/// </example>
public sealed class BpfObject : IDisposable
{
    private readonly List<BpfLink> _links = [];
    private readonly BpfProgram[] _programs;
    private readonly BpfMap[] _maps;

    internal BpfObject(BpfObjectHandle handle, string name)
    {
        Handle = handle;
        Name = name;
        var obj = handle.DangerousGetHandle();
        var programs = new List<BpfProgram>();
        for (var p = LibBpf.ObjectNextProgram(obj, 0); p != 0; p = LibBpf.ObjectNextProgram(obj, p))
            programs.Add(new BpfProgram(this, p));
        var maps = new List<BpfMap>();
        for (var m = LibBpf.ObjectNextMap(obj, 0); m != 0; m = LibBpf.ObjectNextMap(obj, m))
            maps.Add(new BpfMap(this, m));
        _programs = [.. programs];
        _maps = [.. maps];
    }

    /// <summary>Opens the BPF ELF object at <paramref name="path"/>.</summary>
    /// <exception cref="BpfObjectFormatException">The file is not a valid BPF object.</exception>
    public static OpenBpfObject OpenFile(string path, BpfObjectOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        return OpenBpfObject.Open(path, default, options);
    }

    /// <summary>Opens a BPF ELF object from its bytes (copied; the span may be reused afterwards).</summary>
    /// <exception cref="BpfObjectFormatException">The bytes are not a valid BPF object.</exception>
    public static OpenBpfObject OpenMemory(ReadOnlySpan<byte> elf, BpfObjectOptions? options = null)
    {
        if (elf.IsEmpty)
            throw new BpfObjectFormatException("open BPF object from memory", Errno.EINVAL, "the image is empty");
        return OpenBpfObject.Open(null, elf, options);
    }

    /// <summary>
    /// Opens a BPF object embedded in <paramref name="assembly"/> as manifest resource
    /// <paramref name="resourceName"/> (the build embeds <c>foo.bpf.c</c> as <c>foo.bpf.o</c>).
    /// The object is named after the resource up to its first dot unless <paramref name="options"/> says otherwise.
    /// </summary>
    /// <exception cref="FileNotFoundException">The assembly has no such resource; the message lists the BPF objects it has.</exception>
    public static OpenBpfObject OpenEmbedded(Assembly assembly, string resourceName, BpfObjectOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(assembly);
        using var stream = assembly.GetManifestResourceStream(resourceName)
            ?? throw new FileNotFoundException(
                $"assembly '{assembly.GetName().Name}' has no embedded BPF object '{resourceName}' (it has: {string.Join(", ", assembly.GetManifestResourceNames().Where(n => n.EndsWith(".o", StringComparison.Ordinal)))})");
        var bytes = new byte[stream.Length];
        stream.ReadExactly(bytes);
        var dot = resourceName.IndexOf('.');
        options ??= new BpfObjectOptions();
        if (options.Name is null)
            options = options with { Name = dot > 0 ? resourceName[..dot] : resourceName };
        return OpenBpfObject.Open(null, bytes, options);
    }

    /// <summary>The object's name.</summary>
    public string Name { get; }

    /// <summary>Every program of the object, loaded or not (see <see cref="BpfProgram.IsLoaded"/>).</summary>
    public IReadOnlyList<BpfProgram> Programs => _programs;

    /// <summary>Every map of the object, including the internal <c>.rodata</c>/<c>.data</c>/<c>.bss</c> maps.</summary>
    public IReadOnlyList<BpfMap> Maps => _maps;

    /// <summary>True once <see cref="Dispose"/> ran.</summary>
    public bool IsDisposed => Handle.IsClosed;

    /// <summary>Finds a program by its C function name.</summary>
    /// <exception cref="KeyNotFoundException">No such program; the message lists the ones there are.</exception>
    public BpfProgram GetProgram(string name)
        => Array.Find(_programs, p => p.Name == name)
           ?? throw new KeyNotFoundException($"BPF object '{Name}' has no program '{name}' (it has: {string.Join(", ", _programs.Select(p => p.Name))})");

    /// <summary>Finds a map by name; an internal map can also be named by its section (<c>.bss</c>).</summary>
    /// <exception cref="KeyNotFoundException">No such map; the message lists the ones there are.</exception>
    public BpfMap GetMap(string name)
        => FindMap(_maps, name, m => m.Name, m => m.IsInternal)
           ?? throw new KeyNotFoundException($"BPF object '{Name}' has no map '{name}' (it has: {string.Join(", ", _maps.Select(m => m.Name))})");

    /// <summary>
    /// Attaches every loaded program as its section says. If one fails, the ones attached so far are
    /// detached again and the exception is rethrown: all or nothing.
    /// </summary>
    public IReadOnlyList<BpfLink> AttachAll()
    {
        var attached = new List<BpfLink>();
        try
        {
            foreach (var program in _programs)
            {
                if (program.IsLoaded)
                    attached.Add(program.Attach());
            }
            return attached;
        }
        catch
        {
            foreach (var link in attached)
                link.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Copies <paramref name="destination"/>.Length bytes of a global variable section
    /// (<c>.bss</c>, <c>.data</c>, <c>.rodata</c>) from the kernel, starting at <paramref name="offset"/>.
    /// The generated skeletons read globals through this.
    /// </summary>
    public void ReadGlobal(string section, int offset, Span<byte> destination)
    {
        var map = GetMap(section);
        var value = ReadSection(map, offset, destination.Length);
        value.AsSpan(offset, destination.Length).CopyTo(destination);
    }

    /// <summary>Reads a <typeparamref name="T"/> at <paramref name="offset"/> of a global variable section.</summary>
    public T ReadGlobal<T>(string section, int offset) where T : unmanaged
    {
        var map = GetMap(section);
        var size = System.Runtime.CompilerServices.Unsafe.SizeOf<T>();
        return System.Runtime.InteropServices.MemoryMarshal.Read<T>(ReadSection(map, offset, size).AsSpan(offset, size));
    }

    /// <summary>
    /// Writes a <typeparamref name="T"/> at <paramref name="offset"/> of <c>.bss</c> or <c>.data</c>
    /// (read, patch, write back: a concurrent write by a BPF program to the same section may be lost).
    /// </summary>
    public void WriteGlobal<T>(string section, int offset, T value) where T : unmanaged
    {
        var map = GetMap(section);
        var size = System.Runtime.CompilerServices.Unsafe.SizeOf<T>();
        var bytes = ReadSection(map, offset, size);
        System.Runtime.InteropServices.MemoryMarshal.Write(bytes.AsSpan(offset, size), in value);
        map.Update(stackalloc byte[4], bytes);
    }

    private static byte[] ReadSection(BpfMap map, int offset, int length)
    {
        if (!map.IsInternal)
            throw new ArgumentException($"map '{map.Name}' is not a global variable section");
        if (offset < 0 || length < 0 || offset + length > map.ValueSize)
            throw new ArgumentOutOfRangeException(nameof(offset), $"[{offset}, +{length}) is outside section map '{map.Name}' ({map.ValueSize} bytes)");
        var bytes = new byte[map.ValueSize];
        map.TryLookup(stackalloc byte[4], bytes);
        return bytes;
    }

    /// <summary>Detaches the links still attached, then closes every program and map.</summary>
    public void Dispose()
    {
        BpfLink[] links;
        lock (_links)
        {
            links = [.. _links];
            _links.Clear();
        }
        // Each detach waits for an RCU grace period in the kernel (tens of ms for a perf-event
        // tracepoint); detaching in parallel lets those waits overlap.
        if (links.Length > 1)
            Parallel.ForEach(links, link => link.Dispose());
        else if (links.Length == 1)
            links[0].Dispose();
        Handle.Dispose();
    }

    internal BpfObjectHandle Handle { get; }

    internal void Track(BpfLink link)
    {
        lock (_links)
            _links.Add(link);
    }

    internal void Untrack(BpfLink link)
    {
        lock (_links)
            _links.Remove(link);
    }

    internal static T? FindMap<T>(IEnumerable<T> maps, string name, Func<T, string> nameOf, Func<T, bool> isInternal) where T : class
    {
        T? bySection = null;
        foreach (var map in maps)
        {
            var mapName = nameOf(map);
            if (mapName == name)
                return map;
            // libbpf names internal maps "<object prefix>.rodata"; let callers say ".rodata".
            if (name.StartsWith('.') && isInternal(map) && mapName.EndsWith(name, StringComparison.Ordinal))
                bySection ??= map;
        }
        return bySection;
    }
}
