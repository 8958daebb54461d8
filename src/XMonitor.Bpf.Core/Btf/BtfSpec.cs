using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Text;
using XMonitor.Bpf.Elf;

namespace XMonitor.Bpf.Btf;

/// <summary>
/// Parsed BTF: the type information of the running kernel (<see cref="LoadKernel"/>), of a BPF
/// object's <c>.BTF</c> section (<see cref="FromElf"/>) or of any raw BTF blob (<see cref="Load(ReadOnlySpan{byte})"/>).
/// Parsing is managed code only (no libbpf). Loading checks every record and every type reference,
/// so a spec that loaded can be walked without further bounds checks; type objects are created
/// lazily because vmlinux holds well over 100,000 of them. Split BTF (kernel modules) continues
/// the ids and strings of a base spec (<see cref="Load(ReadOnlySpan{byte}, BtfSpec)"/>).
/// </summary>
/// <remarks>Instances are safe to share between threads.</remarks>
public sealed class BtfSpec
{
    /// <summary>Where the kernel exposes its own BTF.</summary>
    public const string KernelBtfPath = "/sys/kernel/btf/vmlinux";

    private const ushort Magic = 0xEB9F;
    private const int HeaderSize = 24;
    private const int RecordHeaderSize = 12;

    // libbpf bounds typedef/qualifier chains the same way (MAX_RESOLVE_DEPTH): real BTF never
    // comes close, so anything longer is a cycle or garbage.
    private const int MaxResolveDepth = 32;

    // Bounds the work of recursive member searches on hostile BTF where anonymous members repeat
    // the same nested type many times at every level.
    private const int MaxMemberSearchSteps = 1_000_000;

    private readonly byte[] _data;
    private readonly int _firstId;
    private readonly int _firstStringOffset;
    private readonly BtfVoid? _void;
    private readonly int _stringsStart;
    private readonly int _stringsLength;
    private readonly int[] _recordOffsets;
    private readonly BtfType?[] _types;
    private readonly int[] _alignments;
    private readonly Lock _alignLock = new();
    private readonly Lock _nameIndexLock = new();
    private Dictionary<string, int>? _firstIdByName;
    private int[]? _nextIdWithSameName;
    private int _pointerSize;

    private BtfSpec(byte[] data, BtfSpec? baseSpec)
    {
        _data = data;
        Base = baseSpec;
        // Split BTF numbers its types after the base's and its string offsets after the base's
        // string section, so ids and offsets below those belong to the base.
        _firstId = baseSpec?.TypeCount ?? 1;
        _firstStringOffset = baseSpec?.StringsEnd ?? 0;
        (int typesStart, int typesLength, _stringsStart, _stringsLength) = ReadHeader(data, baseSpec is not null);
        _recordOffsets = IndexRecords(typesStart, typesLength);
        ValidateReferences();
        _types = new BtfType?[_recordOffsets.Length];
        _void = baseSpec is null ? new BtfVoid(this) : null;
        _alignments = new int[_recordOffsets.Length];
        Types = new BtfTypeList(this);
    }

    /// <summary>
    /// The types indexed by id; <c>Types[0]</c> is <see cref="BtfVoid"/>. For split BTF the list
    /// starts with the base's types, whose <see cref="BtfType.Spec"/> is the base.
    /// </summary>
    public IReadOnlyList<BtfType> Types { get; }

    /// <summary>The base spec of split BTF (vmlinux for a kernel module), or null.</summary>
    public BtfSpec? Base { get; }

    /// <summary>
    /// The size of a pointer in bytes: the size of <c>long</c> as this BTF declares it, or 8 when
    /// it declares no <c>long</c> (BPF objects and 64-bit kernels).
    /// </summary>
    public int PointerSize
    {
        get
        {
            if (_pointerSize == 0)
                _pointerSize = DeterminePointerSize();
            return _pointerSize;
        }
    }

    internal int TypeCount => _firstId + _recordOffsets.Length;

    private int StringsEnd => _firstStringOffset + _stringsLength;

    /// <summary>Parses raw BTF (the format of <c>/sys/kernel/btf/vmlinux</c> and of <c>.BTF</c> sections). The data is copied.</summary>
    /// <exception cref="BtfFormatException">The data is not well-formed BTF.</exception>
    public static BtfSpec Load(ReadOnlySpan<byte> raw) => new(raw.ToArray(), null);

    /// <summary>
    /// Parses split BTF, whose type ids and string offsets continue those of
    /// <paramref name="baseSpec"/> (the format of <c>/sys/kernel/btf/MODULE</c>). The data is copied.
    /// </summary>
    /// <exception cref="BtfFormatException">The data is not well-formed split BTF for that base.</exception>
    public static BtfSpec Load(ReadOnlySpan<byte> raw, BtfSpec baseSpec)
    {
        ArgumentNullException.ThrowIfNull(baseSpec);
        return new(raw.ToArray(), baseSpec);
    }

    /// <summary>Reads and parses a raw BTF file.</summary>
    /// <exception cref="BtfFormatException">The file is not well-formed BTF.</exception>
    /// <exception cref="IOException">The file cannot be read.</exception>
    public static BtfSpec LoadFile(string path) => new(File.ReadAllBytes(path), null);

    /// <summary>
    /// Reads the BTF of a loaded kernel module from <c>/sys/kernel/btf/MODULE</c>: split BTF on
    /// top of <paramref name="kernel"/> (from <see cref="LoadKernel"/>).
    /// </summary>
    /// <exception cref="BpfNotSupportedException">The module is not loaded or has no BTF.</exception>
    /// <exception cref="BtfFormatException">The module's BTF is not well-formed.</exception>
    public static BtfSpec LoadKernelModule(string module, BtfSpec kernel)
    {
        ArgumentException.ThrowIfNullOrEmpty(module);
        ArgumentNullException.ThrowIfNull(kernel);
        if (module.Contains('/') || module is "." or "..")
            throw new ArgumentException($"'{module}' is not a module name", nameof(module));
        var path = Path.Combine(Path.GetDirectoryName(KernelBtfPath)!, module);
        if (!File.Exists(path))
            throw new BpfNotSupportedException($"read {path}", $"BTF of module '{module}'", Errno.ENOENT,
                "The module is not loaded, or the kernel was built without CONFIG_DEBUG_INFO_BTF_MODULES.");
        return new(File.ReadAllBytes(path), kernel);
    }

    /// <summary>
    /// Reads the running kernel's BTF from <see cref="KernelBtfPath"/>: the whole 5.5 MB, and an
    /// index of its ~126,000 names at the first lookup by name (~18 MB allocated on a 6.x kernel).
    /// To check a few types or functions, <see cref="KernelBtf"/> is far cheaper.
    /// </summary>
    /// <exception cref="BpfNotSupportedException">The kernel exposes no BTF (built without <c>CONFIG_DEBUG_INFO_BTF</c>).</exception>
    /// <exception cref="BtfFormatException">The kernel's BTF is not well-formed.</exception>
    public static BtfSpec LoadKernel()
    {
        if (!File.Exists(KernelBtfPath))
            throw new BpfNotSupportedException($"read {KernelBtfPath}", "kernel BTF", Errno.ENOENT,
                "The kernel was built without CONFIG_DEBUG_INFO_BTF; CO-RE needs it (or an external BTF file loaded with BtfSpec.LoadFile).");
        return LoadFile(KernelBtfPath);
    }

    /// <summary>Parses the <c>.BTF</c> section of an ELF object (a compiled <c>*.bpf.o</c>).</summary>
    /// <exception cref="BpfElfFormatException">The data is not a well-formed ELF object or has no <c>.BTF</c> section.</exception>
    /// <exception cref="BtfFormatException">The <c>.BTF</c> section is not well-formed.</exception>
    public static BtfSpec FromElf(ReadOnlySpan<byte> elf)
    {
        var image = ElfImage.Parse(elf);
        var section = image.FindSection(".BTF")
            ?? throw new BpfElfFormatException("the object has no .BTF section (compile it with clang -g)");
        return Load(image.SectionData(section));
    }

    /// <summary>Finds the first type named <paramref name="name"/>, of <paramref name="kind"/> when given.</summary>
    public bool TryFindType(string name, BtfKind? kind, [NotNullWhen(true)] out BtfType? type)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (Base is not null && Base.TryFindType(name, kind, out type))
            return true;
        var (first, next) = GetNameIndex();
        if (first.TryGetValue(name, out var id))
        {
            for (; id != 0; id = next[id - _firstId])
            {
                var candidate = GetTypeById(id);
                if (kind is null || candidate.Kind == kind)
                {
                    type = candidate;
                    return true;
                }
            }
        }
        type = null;
        return false;
    }

    /// <summary>Finds the first type named <paramref name="name"/>, of <paramref name="kind"/> when given.</summary>
    /// <exception cref="KeyNotFoundException">No such type.</exception>
    public BtfType FindType(string name, BtfKind? kind = null)
        => TryFindType(name, kind, out var type) ? type
            : throw new KeyNotFoundException(kind is null ? $"BTF has no type named '{name}'" : $"BTF has no {kind} named '{name}'");

    /// <summary>
    /// Skips typedefs, <c>const</c>, <c>volatile</c>, <c>restrict</c> and type tags and returns the
    /// underlying type.
    /// </summary>
    /// <exception cref="BtfFormatException">The chain is cyclic or absurdly long.</exception>
    /// <exception cref="ArgumentException"><paramref name="type"/> comes from another spec.</exception>
    public BtfType Resolve(BtfType type)
    {
        CheckOwned(type);
        var start = type.Id;
        for (var depth = 0; depth <= MaxResolveDepth; depth++)
        {
            if (type.Kind is not (BtfKind.Typedef or BtfKind.Const or BtfKind.Volatile or BtfKind.Restrict or BtfKind.TypeTag))
                return type;
            type = GetTypeById(type.ReferencedId);
        }
        throw ChainTooLong(start);
    }

    /// <summary>
    /// The size of <paramref name="type"/> in bytes, following typedefs, qualifiers and arrays like
    /// libbpf's <c>btf__resolve_size</c>.
    /// </summary>
    /// <exception cref="ArgumentException">The type has no size (void, a function, a forward declaration) or comes from another spec.</exception>
    /// <exception cref="BtfFormatException">The chain is cyclic or the size does not fit 32 bits.</exception>
    public long SizeOf(BtfType type)
    {
        CheckOwned(type);
        var start = type.Id;
        long elements = 1;
        for (var depth = 0; depth <= MaxResolveDepth; depth++)
        {
            long size;
            switch (type)
            {
                case BtfInt i: size = i.Size; break;
                case BtfEnum e: size = e.Size; break;
                case BtfFloat f: size = f.Size; break;
                case BtfComposite c: size = c.Size; break;
                case BtfDataSec d: size = d.Size; break;
                case BtfPointer: size = PointerSize; break;
                case BtfArray a:
                    // Compare by division: the product itself may not fit 64 bits.
                    if (a.Length != 0 && elements > uint.MaxValue / a.Length)
                        throw new BtfFormatException($"array type {a.Id} (reached from type {start}) is larger than 4 GiB");
                    elements *= a.Length;
                    type = a.ElementType;
                    continue;
                case BtfTypedef or BtfQualifier or BtfTypeTag or BtfVar:
                    type = GetTypeById(type.ReferencedId);
                    continue;
                default:
                    throw new ArgumentException($"{type} has no size", nameof(type));
            }
            if (elements != 0 && size > uint.MaxValue / elements)
                throw new BtfFormatException($"type {start} is larger than 4 GiB");
            return size * elements;
        }
        throw ChainTooLong(start);
    }

    /// <summary>
    /// The natural alignment of <paramref name="type"/> in bytes, computed like libbpf's
    /// <c>btf__align_of</c>: scalars align to their size (at most a pointer), arrays to their
    /// element, structs to their most aligned member, and 1 for packed structs (a member or the
    /// size off its natural alignment).
    /// </summary>
    /// <exception cref="ArgumentException">The type has no alignment (void, a function, a forward declaration) or comes from another spec.</exception>
    /// <exception cref="BtfFormatException">The type contains itself or its chain is too long.</exception>
    public int AlignOf(BtfType type)
    {
        CheckOwned(type);
        lock (_alignLock)
            return AlignOfLocked(type, 0);
    }

    /// <summary>
    /// Finds a member of a struct or union (typedefs and qualifiers are skipped) by name, or by a
    /// dotted path like <c>se.vruntime</c> through nested structs; members of anonymous structs and
    /// unions are found as if they were direct members, like in C. The offset is counted from the
    /// start of <paramref name="type"/>.
    /// </summary>
    /// <exception cref="BtfFormatException">The types reached are cyclic.</exception>
    /// <exception cref="ArgumentException"><paramref name="type"/> comes from another spec.</exception>
    public bool TryGetMember(BtfType type, string path, [NotNullWhen(true)] out BtfField? field)
    {
        CheckOwned(type);
        ArgumentException.ThrowIfNullOrEmpty(path);
        field = null;
        long bitOffset = 0;
        var current = type;
        BtfMember? member = null;
        var budget = MaxMemberSearchSteps;
        foreach (var name in path.Split('.'))
        {
            if (name.Length == 0 || Resolve(current) is not BtfComposite composite)
                return false;
            long memberOffset = 0;
            member = FindMemberIn(composite, name, ref memberOffset, 0, ref budget);
            if (member is null)
                return false;
            bitOffset += memberOffset;
            current = member.Type;
        }
        field = new BtfField(member!.Name, current, bitOffset, member.BitfieldSize);
        return true;
    }

    /// <summary>
    /// Finds a member of the struct or union named <paramref name="typeName"/> by name or dotted
    /// path, for example <c>FindMemberOffset("task_struct", "pid")</c>.
    /// </summary>
    /// <exception cref="KeyNotFoundException">There is no such struct or union, or no such member.</exception>
    public BtfField FindMemberOffset(string typeName, string memberPath)
    {
        if (!TryFindType(typeName, BtfKind.Struct, out var type) && !TryFindType(typeName, BtfKind.Union, out type))
            throw new KeyNotFoundException($"BTF has no struct or union named '{typeName}'");
        return TryGetMember(type, memberPath, out var field)
            ? field
            : throw new KeyNotFoundException($"{typeName} has no member '{memberPath}'");
    }

    internal BtfType GetTypeById(int id)
    {
        if ((uint)id >= (uint)TypeCount)
            throw new ArgumentOutOfRangeException(nameof(id), id, $"type ids run from 0 to {TypeCount - 1}");
        if (id < _firstId)
            return Base is null ? _void! : Base.GetTypeById(id);
        var local = id - _firstId;
        var type = Volatile.Read(ref _types[local]);
        if (type is not null)
            return type;
        var created = CreateType(id);
        return Interlocked.CompareExchange(ref _types[local], created, null) ?? created;
    }

    internal string GetString(int offset)
    {
        if (offset < _firstStringOffset && Base is not null)
            return Base.GetString(offset);
        var local = offset - _firstStringOffset;
        if ((uint)local >= (uint)_stringsLength)
            throw new BtfFormatException($"string offset {offset} is outside the string section (which ends at {StringsEnd})");
        var span = _data.AsSpan(_stringsStart + local, _stringsLength - local);
        // The string section is known to end with NUL, so a terminator is always found.
        return Encoding.UTF8.GetString(span[..span.IndexOf((byte)0)]);
    }

    /// <summary>Whether <paramref name="offset"/> names a string of this spec's string section.</summary>
    internal bool IsValidStringOffset(uint offset) => offset < (uint)StringsEnd;

    private void CheckOwned(BtfType type)
    {
        ArgumentNullException.ThrowIfNull(type);
        // Ids only mean something in the spec that produced the type (or its bases).
        for (var spec = this; spec is not null; spec = spec.Base)
        {
            if (type.Spec == spec)
                return;
        }
        throw new ArgumentException($"{type} belongs to a different BtfSpec", nameof(type));
    }

    private static (int TypesStart, int TypesLength, int StringsStart, int StringsLength) ReadHeader(byte[] data, bool split)
    {
        if (data.Length < HeaderSize)
            throw new BtfFormatException($"BTF is {data.Length} bytes, shorter than its {HeaderSize}-byte header", 0);
        var magic = BinaryPrimitives.ReadUInt16LittleEndian(data);
        if (magic == BinaryPrimitives.ReverseEndianness(Magic))
            throw new BtfFormatException("big-endian BTF is not supported", 0);
        if (magic != Magic)
            throw new BtfFormatException($"bad BTF magic 0x{magic:x4} (expected 0x{Magic:x4})", 0);
        if (data[2] != 1)
            throw new BtfFormatException($"unsupported BTF version {data[2]} (expected 1)", 2);
        var headerLength = U32(data, 4);
        if (headerLength < HeaderSize || headerLength > data.Length)
            throw new BtfFormatException($"BTF header length {headerLength} is outside 24..{data.Length}", 4);
        var typeOffset = U32(data, 8);
        var typeLength = U32(data, 12);
        var stringOffset = U32(data, 16);
        var stringLength = U32(data, 20);
        long available = data.Length - headerLength;
        if (typeOffset % 4 != 0)
            throw new BtfFormatException($"type section offset {typeOffset} is not 4-byte aligned", 8);
        if (typeOffset + (long)typeLength > available)
            throw new BtfFormatException($"type section [{typeOffset}, +{typeLength}) extends past the {available} bytes after the header", 8);
        if (stringOffset + (long)stringLength > available)
            throw new BtfFormatException($"string section [{stringOffset}, +{stringLength}) extends past the {available} bytes after the header", 16);
        var stringsStart = (int)(headerLength + stringOffset);
        // Offset 0 is the empty name; split BTF inherits it from the base.
        if (!split && (stringLength == 0 || data[stringsStart] != 0))
            throw new BtfFormatException("the string section must start with an empty string", stringsStart);
        if (stringLength > 0 && data[stringsStart + (int)stringLength - 1] != 0)
            throw new BtfFormatException("the string section does not end with NUL", stringsStart + stringLength - 1);
        return ((int)(headerLength + typeOffset), (int)typeLength, stringsStart, (int)stringLength);
    }

    private int[] IndexRecords(int start, int length)
    {
        var offsets = new List<int>(length / 16 + 1);
        var end = start + length;
        var pos = start;
        while (pos < end)
        {
            if (end - pos < RecordHeaderSize)
                throw new BtfFormatException($"type {_firstId + offsets.Count} is truncated: {end - pos} bytes left of a {RecordHeaderSize}-byte record", pos);
            var info = U32(_data, pos + 4);
            var kind = (int)((info >> 24) & 0x1f);
            var vlen = (int)(info & 0xffff);
            var extra = kind switch
            {
                1 => 4,
                2 or 7 or 8 or 9 or 10 or 11 or 12 or 16 or 18 => 0,
                3 => 12,
                4 or 5 => vlen * 12,
                6 => vlen * 8,
                13 => vlen * 8,
                14 => 4,
                15 => vlen * 12,
                17 => 4,
                19 => vlen * 12,
                _ => throw new BtfFormatException($"type {_firstId + offsets.Count} has unknown kind {kind}", pos + 4),
            };
            if (end - pos - RecordHeaderSize < extra)
                throw new BtfFormatException($"type {_firstId + offsets.Count} ({(BtfKind)kind}, vlen {vlen}) is truncated: needs {RecordHeaderSize + extra} bytes, {end - pos} left", pos);
            CheckName(pos, _firstId + offsets.Count);
            offsets.Add(pos);
            pos += RecordHeaderSize + extra;
        }
        return offsets.ToArray();
    }

    private void ValidateReferences()
    {
        for (var local = 0; local < _recordOffsets.Length; local++)
        {
            var id = _firstId + local;
            var pos = _recordOffsets[local];
            var info = U32(_data, pos + 4);
            var kind = (BtfKind)((info >> 24) & 0x1f);
            var vlen = (int)(info & 0xffff);
            switch (kind)
            {
                case BtfKind.Pointer or BtfKind.Typedef or BtfKind.Volatile or BtfKind.Const or BtfKind.Restrict
                    or BtfKind.TypeTag or BtfKind.Func or BtfKind.Var or BtfKind.DeclTag:
                    CheckId(pos + 8, id);
                    break;
                case BtfKind.Array:
                    CheckId(pos + 12, id);
                    CheckId(pos + 16, id);
                    break;
                case BtfKind.Struct or BtfKind.Union:
                    for (var i = 0; i < vlen; i++)
                    {
                        CheckName(pos + 12 + i * 12, id);
                        CheckId(pos + 12 + i * 12 + 4, id);
                    }
                    break;
                case BtfKind.Enum:
                    for (var i = 0; i < vlen; i++)
                        CheckName(pos + 12 + i * 8, id);
                    break;
                case BtfKind.Enum64:
                    for (var i = 0; i < vlen; i++)
                        CheckName(pos + 12 + i * 12, id);
                    break;
                case BtfKind.FuncProto:
                    CheckId(pos + 8, id);
                    for (var i = 0; i < vlen; i++)
                    {
                        CheckName(pos + 12 + i * 8, id);
                        CheckId(pos + 12 + i * 8 + 4, id);
                    }
                    break;
                case BtfKind.DataSec:
                    for (var i = 0; i < vlen; i++)
                        CheckId(pos + 12 + i * 12, id);
                    break;
            }
        }
    }

    private void CheckName(int at, int id)
    {
        var offset = U32(_data, at);
        if (offset >= (uint)StringsEnd)
            throw new BtfFormatException($"type {id} refers to name offset {offset}, outside the string section (which ends at {StringsEnd})", at);
    }

    private void CheckId(int at, int id)
    {
        var target = U32(_data, at);
        if (target >= (uint)TypeCount)
            throw new BtfFormatException($"type {id} refers to type id {target}, but the last type id is {TypeCount - 1}", at);
    }

    private BtfType CreateType(int id)
    {
        var pos = _recordOffsets[id - _firstId];
        var record = _data.AsSpan(pos);
        var kind = (BtfKind)((U32(_data, pos + 4) >> 24) & 0x1f);
        return kind switch
        {
            BtfKind.Int => new BtfInt(this, id, record),
            BtfKind.Pointer => new BtfPointer(this, id, record),
            BtfKind.Array => new BtfArray(this, id, record),
            BtfKind.Struct or BtfKind.Union => new BtfComposite(this, id, kind, record),
            BtfKind.Enum or BtfKind.Enum64 => new BtfEnum(this, id, kind, record),
            BtfKind.Forward => new BtfForward(this, id, record),
            BtfKind.Typedef => new BtfTypedef(this, id, record),
            BtfKind.Volatile or BtfKind.Const or BtfKind.Restrict => new BtfQualifier(this, id, kind, record),
            BtfKind.Func => new BtfFunc(this, id, record),
            BtfKind.FuncProto => new BtfFuncProto(this, id, record),
            BtfKind.Var => new BtfVar(this, id, record),
            BtfKind.DataSec => new BtfDataSec(this, id, record),
            BtfKind.Float => new BtfFloat(this, id, record),
            BtfKind.DeclTag => new BtfDeclTag(this, id, record),
            BtfKind.TypeTag => new BtfTypeTag(this, id, record),
            // IndexRecords rejected every other kind.
            _ => throw new BtfFormatException($"type {id} has unknown kind {(int)kind}", pos + 4),
        };
    }

    private int AlignOfLocked(BtfType type, int depth)
    {
        if (type.Id < _firstId)
        {
            // Base types are computed (and cached) by the base under its own lock.
            return Base is null ? throw new ArgumentException($"{type} has no alignment", nameof(type)) : Base.AlignOf(type);
        }
        var local = type.Id - _firstId;
        var cached = _alignments[local];
        if (cached > 0)
            return cached;
        if (cached < 0 || depth > MaxResolveDepth * 4)
            throw new BtfFormatException($"{type} contains itself or is nested too deeply to compute its alignment");
        _alignments[local] = -1;
        try
        {
            var align = ComputeAlign(type, depth);
            _alignments[local] = align;
            return align;
        }
        catch
        {
            _alignments[local] = 0;
            throw;
        }
    }

    private int ComputeAlign(BtfType type, int depth)
    {
        switch (type)
        {
            case BtfInt i: return ScalarAlign(i.Size);
            case BtfEnum e: return ScalarAlign(e.Size);
            case BtfFloat f: return ScalarAlign(f.Size);
            case BtfPointer: return PointerSize;
            case BtfArray a: return AlignOfLocked(a.ElementType, depth + 1);
            case BtfTypedef or BtfQualifier or BtfTypeTag: return AlignOfLocked(GetTypeById(type.ReferencedId), depth + 1);
            case BtfComposite c:
                var max = 1;
                foreach (var member in c.Members)
                {
                    var align = AlignOfLocked(member.Type, depth + 1);
                    max = Math.Max(max, align);
                    // A member placed off its natural alignment only happens in packed structs.
                    if (!member.IsBitfield && member.BitOffset % (8L * align) != 0)
                        return 1;
                }
                return c.Size % max != 0 ? 1 : max;
            default:
                throw new ArgumentException($"{type} has no alignment", nameof(type));
        }
    }

    private int ScalarAlign(int size) => size <= 0 ? 1 : Math.Min(size, PointerSize);

    private BtfMember? FindMemberIn(BtfComposite composite, string name, ref long bitOffset, int depth, ref int budget)
    {
        if (depth > MaxResolveDepth * 4)
            throw new BtfFormatException($"{composite} nests anonymous members too deeply (or contains itself)");
        foreach (var member in composite.Members)
        {
            if (--budget < 0)
                throw new BtfFormatException($"searching {composite} for '{name}' visits too many members");
            if (member.Name == name)
            {
                bitOffset += member.BitOffset;
                return member;
            }
            if (member.Name.Length == 0 && Resolve(member.Type) is BtfComposite inner)
            {
                var innerOffset = bitOffset + member.BitOffset;
                var found = FindMemberIn(inner, name, ref innerOffset, depth + 1, ref budget);
                if (found is not null)
                {
                    bitOffset = innerOffset;
                    return found;
                }
            }
        }
        return null;
    }

    private int DeterminePointerSize()
    {
        foreach (var name in (ReadOnlySpan<string>)["long", "long int", "unsigned long", "long unsigned int"])
        {
            if (TryFindType(name, BtfKind.Int, out var type) && type is BtfInt { Size: 4 or 8 } i)
                return i.Size;
        }
        return 8;
    }

    private (Dictionary<string, int> First, int[] Next) GetNameIndex()
    {
        lock (_nameIndexLock)
        {
            if (_firstIdByName is null || _nextIdWithSameName is null)
            {
                // Walking the ids backwards leaves the lowest id first in each same-name chain.
                var first = new Dictionary<string, int>(StringComparer.Ordinal);
                var next = new int[_recordOffsets.Length];
                for (var local = _recordOffsets.Length - 1; local >= 0; local--)
                {
                    var nameOffset = (int)U32(_data, _recordOffsets[local]);
                    if (nameOffset == 0)
                        continue;
                    var name = GetString(nameOffset);
                    if (first.TryGetValue(name, out var following))
                        next[local] = following;
                    first[name] = _firstId + local;
                }
                _nextIdWithSameName = next;
                _firstIdByName = first;
            }
            return (_firstIdByName, _nextIdWithSameName);
        }
    }

    private BtfFormatException ChainTooLong(int start)
        => new($"the typedef/qualifier chain starting at type {start} is longer than {MaxResolveDepth} links or cyclic");

    private static uint U32(byte[] data, int offset) => BinaryPrimitives.ReadUInt32LittleEndian(data.AsSpan(offset));
}
