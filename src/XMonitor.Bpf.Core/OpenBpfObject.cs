using System.Runtime.InteropServices;
using System.Text;
using System.Text.RegularExpressions;
using XMonitor.Bpf.Btf;
using XMonitor.Bpf.Interop;

namespace XMonitor.Bpf;

/// <summary>
/// A BPF object opened but not yet loaded into the kernel: the stage where configuration happens.
/// Set <c>const volatile</c> globals (<see cref="SetConstant{T}(string, T)"/>), resize maps, choose
/// which programs load, then <see cref="Load"/>. Loading consumes this instance: afterwards it and
/// its program and map views throw <see cref="InvalidOperationException"/>, and the returned
/// <see cref="BpfObject"/> owns the kernel objects.
/// </summary>
public sealed unsafe partial class OpenBpfObject : IDisposable
{
    private const uint BtfKindVar = 14;
    private const uint BtfKindDatasec = 15;

    private BpfObjectHandle? _handle;
    private byte* _verifierLog;
    private readonly nuint _verifierLogSize;
    private void* _image;
    private CoreBtfFile? _coreBtf;
    private readonly List<OpenBpfProgram> _programs = [];
    private readonly List<OpenBpfMap> _maps = [];

    private OpenBpfObject(BpfObjectHandle handle, byte* verifierLog, nuint verifierLogSize, void* image, CoreBtfFile? coreBtf)
    {
        _handle = handle;
        _coreBtf = coreBtf;
        _verifierLog = verifierLog;
        _verifierLogSize = verifierLogSize;
        _image = image;
        var obj = handle.DangerousGetHandle();
        Name = LibBpf.ToStr(LibBpf.ObjectName(obj)) ?? "";
        for (var p = LibBpf.ObjectNextProgram(obj, 0); p != 0; p = LibBpf.ObjectNextProgram(obj, p))
            _programs.Add(new OpenBpfProgram(this, p));
        for (var m = LibBpf.ObjectNextMap(obj, 0); m != 0; m = LibBpf.ObjectNextMap(obj, m))
            _maps.Add(new OpenBpfMap(this, m));
    }

    /// <summary>The object's name (from the file name or <see cref="BpfObjectOptions.Name"/>).</summary>
    public string Name { get; }

    /// <summary>Every program in the object, in ELF order.</summary>
    public IReadOnlyList<OpenBpfProgram> Programs => _programs;

    /// <summary>Every map in the object, including the internal <c>.rodata</c>/<c>.data</c>/<c>.bss</c> maps.</summary>
    public IReadOnlyList<OpenBpfMap> Maps => _maps;

    /// <summary>Finds a program by its C function name.</summary>
    /// <exception cref="KeyNotFoundException">No such program; the message lists the ones there are.</exception>
    public OpenBpfProgram GetProgram(string name)
        => _programs.Find(p => p.Name == name)
           ?? throw new KeyNotFoundException($"BPF object '{Name}' has no program '{name}' (it has: {string.Join(", ", _programs.Select(p => p.Name))})");

    /// <summary>Finds a map by name; an internal map can also be named by its section (<c>.rodata</c>).</summary>
    /// <exception cref="KeyNotFoundException">No such map; the message lists the ones there are.</exception>
    public OpenBpfMap GetMap(string name)
        => BpfObject.FindMap(_maps, name, m => m.Name, m => m.IsInternal)
           ?? throw new KeyNotFoundException($"BPF object '{Name}' has no map '{name}' (it has: {string.Join(", ", _maps.Select(m => m.Name))})");

    /// <summary>
    /// Sets a <c>const volatile</c> global of the object's <c>.rodata</c> (its load-time configuration).
    /// The size of <typeparamref name="T"/> must equal the variable's size in BTF.
    /// </summary>
    /// <exception cref="KeyNotFoundException">The object has no such read-only variable.</exception>
    /// <exception cref="ArgumentException">The variable's size differs from <typeparamref name="T"/>'s.</exception>
    public void SetConstant<T>(string name, T value) where T : unmanaged
        => SetConstant(name, MemoryMarshal.AsBytes(new ReadOnlySpan<T>(in value)));

    /// <summary>Sets a <c>const volatile</c> global from raw bytes (arrays, structs).</summary>
    /// <exception cref="KeyNotFoundException">The object has no such read-only variable.</exception>
    /// <exception cref="ArgumentException">The variable's size differs from the length of <paramref name="value"/>.</exception>
    public void SetConstant(string name, ReadOnlySpan<byte> value)
    {
        var target = GetVariable(".rodata", name);
        if (target.Length != value.Length)
            throw new ArgumentException($"BPF object '{Name}': .rodata variable '{name}' is {target.Length} bytes, the value given is {value.Length}", nameof(value));
        value.CopyTo(target);
    }

    /// <summary>
    /// The bytes of a global variable in an internal section (<c>.rodata</c>, <c>.data</c>, <c>.bss</c>)
    /// as they will be loaded, located through the object's BTF. Valid until <see cref="Load"/>.
    /// </summary>
    /// <exception cref="KeyNotFoundException">No such section or variable.</exception>
    public Span<byte> GetVariable(string section, string name)
    {
        var obj = ObjectPointer;
        var map = GetMap(section);
        nuint size;
        var data = (byte*)LibBpf.MapInitialValue(map.Pointer, &size);
        var btf = LibBpf.ObjectBtf(obj);
        if (data == null || btf == 0)
            throw new KeyNotFoundException($"BPF object '{Name}' has no BTF for section '{section}' (compile with -g)");

        int secId;
        fixed (byte* secName = Encoding.UTF8.GetBytes(section + "\0"))
            secId = LibBpf.BtfFindByNameKind(btf, secName, BtfKindDatasec);
        if (secId <= 0)
            throw new KeyNotFoundException($"BPF object '{Name}' has no section '{section}' in its BTF");

        var sec = LibBpf.BtfTypeById(btf, (uint)secId);
        var vars = (BtfVarSecinfo*)(sec + 1);
        for (var i = 0; i < sec->Vlen; i++)
        {
            var varType = LibBpf.BtfTypeById(btf, vars[i].Type);
            if (varType == null || (uint)varType->Kind != BtfKindVar)
                continue;
            if (LibBpf.ToStr(LibBpf.BtfNameByOffset(btf, varType->NameOff)) != name)
                continue;
            if ((nuint)(vars[i].Offset + vars[i].Size) > size)
                break;
            return new Span<byte>(data + vars[i].Offset, (int)vars[i].Size);
        }
        throw new KeyNotFoundException($"BPF object '{Name}' has no variable '{name}' in '{section}'");
    }

    /// <summary>
    /// Loads every program marked to load and creates every map in the kernel. On failure nothing
    /// stays loaded and the exception says which program or map failed and why: a
    /// <see cref="BpfVerifierException"/> with the verifier log, a <see cref="BpfPermissionException"/>,
    /// a <see cref="BpfNotSupportedException"/> for a program kind this kernel refuses, or a
    /// <see cref="BpfException"/> with libbpf's explanation.
    /// </summary>
    public BpfObject Load()
    {
        var handle = _handle ?? throw Consumed();
        _handle = null;
        try
        {
            int rc;
            string? failedProgram;
            IReadOnlyList<string> warnings;
            using (var capture = BpfLog.Capture())
            {
                rc = LibBpf.ObjectLoad(handle.DangerousGetHandle());
                warnings = capture.Lines.ToArray();
                failedProgram = FindFailedProgram(warnings);
            }
            if (rc != 0)
            {
                var ex = LoadFailure(-rc, failedProgram, warnings);
                handle.Dispose();
                throw ex;
            }
            return new BpfObject(handle, Name);
        }
        finally
        {
            FreeBuffers();
        }
    }

    /// <summary>Closes the object without loading it.</summary>
    public void Dispose()
    {
        _handle?.Dispose();
        _handle = null;
        FreeBuffers();
    }

    internal nint ObjectPointer => (_handle ?? throw Consumed()).DangerousGetHandle();

    /// <summary>
    /// The kernel's own BTF file when the process lacks CAP_SYS_ADMIN, otherwise null (libbpf's default).
    /// For a type vmlinux lacks (a CO-RE <c>___old</c> flavor, say) libbpf goes on to list the kernel
    /// modules' BTF, and listing BTF objects takes CAP_SYS_ADMIN: with only CAP_BPF and CAP_PERFMON the
    /// whole load would fail with EPERM. Naming vmlinux explicitly keeps CO-RE to it, so such a type
    /// resolves as missing, which is what the flavor checks expect.
    /// </summary>
    private static string? VmlinuxOnlyBtfPath() =>
        Privileges.HasCapability(Privileges.CAP_SYS_ADMIN) || !File.Exists(Btf.BtfSpec.KernelBtfPath) ? null : Btf.BtfSpec.KernelBtfPath;

    internal static OpenBpfObject Open(string? path, ReadOnlySpan<byte> image, BpfObjectOptions? options)
    {
        BpfLog.EnsureInstalled();
        options ??= new BpfObjectOptions();
        var logSize = (nuint)options.VerifierLogSize;
        var log = (byte*)NativeMemory.AllocZeroed(logSize);
        void* copy = null;
        CoreBtfFile? coreBtf = null;
        try
        {
            var name = options.Name ?? (path is null ? "bpf_object" : ObjectNameFromPath(path));
            if (options.BtfCustomPath is null && File.Exists(Btf.BtfSpec.KernelBtfPath))
                coreBtf = path is null ? CoreBtfFile.TryCreate(image, name) : CoreBtfFile.TryCreate(ReadImage(path), name);
            var btfCustomPath = options.BtfCustomPath ?? coreBtf?.Path ?? VmlinuxOnlyBtfPath();
            fixed (byte* nameBytes = Encoding.UTF8.GetBytes(name + "\0"))
            fixed (byte* pinRoot = options.PinRootPath is null ? null : Encoding.UTF8.GetBytes(options.PinRootPath + "\0"))
            fixed (byte* btfPath = btfCustomPath is null ? null : Encoding.UTF8.GetBytes(btfCustomPath + "\0"))
            {
                var opts = new ObjectOpenOpts
                {
                    Size = (nuint)sizeof(ObjectOpenOpts),
                    ObjectName = nameBytes,
                    PinRootPath = pinRoot,
                    BtfCustomPath = btfPath,
                    KernelLogBuf = log,
                    KernelLogSize = logSize,
                    KernelLogLevel = 0,
                };
                nint obj;
                using var capture = BpfLog.Capture();
                if (path is not null)
                {
                    fixed (byte* p = Encoding.UTF8.GetBytes(path + "\0"))
                        obj = LibBpf.ObjectOpenFile(p, &opts);
                }
                else
                {
                    // libbpf reads the ELF image during open; a native copy keeps it valid for that
                    // whole time whatever the caller does with its span.
                    copy = NativeMemory.Alloc((nuint)image.Length);
                    image.CopyTo(new Span<byte>(copy, image.Length));
                    obj = LibBpf.ObjectOpenMem((byte*)copy, (nuint)image.Length, &opts);
                }
                if (obj == 0)
                {
                    var errno = LibBpf.LastErrno();
                    var what = path is null ? $"open BPF object '{name}' from memory" : $"open BPF object '{path}'";
                    throw errno == Errno.ENOENT && path is not null && !File.Exists(path)
                        ? new BpfException(what, errno)
                        : new BpfObjectFormatException(what, errno, capture.Detail);
                }
                return new OpenBpfObject(new BpfObjectHandle(obj), log, logSize, copy, coreBtf);
            }
        }
        catch
        {
            NativeMemory.Free(log);
            NativeMemory.Free(copy);
            coreBtf?.Dispose();
            throw;
        }
    }

    /// <summary>The object file's bytes for <see cref="CoreBtfFile"/>; empty when unreadable (libbpf's open then says why).</summary>
    private static ReadOnlySpan<byte> ReadImage(string path)
    {
        try
        {
            return File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return default;
        }
    }

    internal void ThrowIfConsumed()
    {
        if (_handle is null)
            throw Consumed();
    }

    private InvalidOperationException Consumed()
        => new($"BPF object '{Name}' was already loaded or disposed: configure it before Load()");

    private static string ObjectNameFromPath(string path)
    {
        var file = Path.GetFileName(path);
        var dot = file.IndexOf('.');
        return dot > 0 ? file[..dot] : file;
    }

    private static string? FindFailedProgram(IReadOnlyList<string> warnings)
    {
        foreach (var line in warnings)
        {
            var m = FailedProgramPattern().Match(line);
            if (m.Success)
                return m.Groups[1].Value;
        }
        return null;
    }

    private BpfException LoadFailure(int errno, string? failedProgram, IReadOnlyList<string> warnings)
    {
        var context = failedProgram is null ? $"load BPF object '{Name}'" : $"load BPF object '{Name}': program '{failedProgram}'";
        var detail = warnings.Count > 0 ? "libbpf: " + string.Join(" | ", warnings.TakeLast(3)) : null;
        var log = VerifierLog();
        var program = failedProgram is null ? null : _programs.Find(p => p.Name == failedProgram);
        // libbpf leaves a log it wrote into our buffer unprinted; pass it on as libbpf would have.
        if (log.Count > 0)
            BpfLog.Write(Microsoft.Extensions.Logging.LogLevel.Warning, $"prog '{failedProgram}': -- BEGIN PROG LOAD LOG --\n{string.Join('\n', log)}\n-- END PROG LOAD LOG --");

        if ((errno is Errno.EPERM or Errno.EACCES) && !Privileges.CanUseBpf)
            return new BpfPermissionException(context, errno);
        if (program is not null && log.Count > 0 && errno is Errno.EACCES or Errno.EINVAL or Errno.E2BIG or Errno.ENOSPC or Errno.EFAULT)
            return new BpfVerifierException(context, program.Name, errno, log);
        if (program is not null && log.Count == 0 && errno is Errno.EPERM or Errno.EINVAL or Errno.EOPNOTSUPP or Errno.ENOTSUP_KERNEL)
            return new BpfNotSupportedException(context, BpfAttachKinds.Describe(program.SectionName), errno, detail);
        if (program is not null && log.Count > 0)
            return new BpfVerifierException(context, program.Name, errno, log);
        return BpfException.FromErrno(context, errno, detail);
    }

    private IReadOnlyList<string> VerifierLog()
    {
        if (_verifierLog == null || _verifierLog[0] == 0)
            return [];
        var text = Marshal.PtrToStringUTF8((nint)_verifierLog, (int)Math.Min((nuint)int.MaxValue, StrLen(_verifierLog, _verifierLogSize)));
        return text.Split('\n', StringSplitOptions.None).Select(l => l.TrimEnd()).Where(l => l.Length > 0).ToArray();
    }

    private static nuint StrLen(byte* s, nuint max)
    {
        nuint n = 0;
        while (n < max && s[n] != 0)
            n++;
        return n;
    }

    private void FreeBuffers()
    {
        NativeMemory.Free(_verifierLog);
        _verifierLog = null;
        NativeMemory.Free(_image);
        _image = null;
        _coreBtf?.Dispose();
        _coreBtf = null;
    }

    [GeneratedRegex(@"prog '([^']+)': (?:BPF program load failed|failed to load)")]
    private static partial Regex FailedProgramPattern();
}
