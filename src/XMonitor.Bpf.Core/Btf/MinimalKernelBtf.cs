using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using XMonitor.Bpf.Interop;

namespace XMonitor.Bpf.Btf;

/// <summary>
/// The part of the kernel's BTF that one BPF object's CO-RE relocations can match, as a BTF blob of
/// its own for libbpf's <c>btf_custom_path</c> (what <c>bpftool gen min_core_btf</c> makes ahead of
/// time, made here at load time).
/// </summary>
/// <remarks>
/// <para>
/// Why: libbpf 1.1 reads the whole 5.5 MB kernel BTF for every object it loads (in 4 KiB reads from
/// sysfs) and searches all ~126,000 types by name for each type a relocation names; that was a third
/// of the CPU time of starting all seven probes. Relocating against a few hundred types does the same
/// work in a fraction of it.
/// </para>
/// <para>
/// What is kept: every kernel type with the essential name (the name without a <c>___flavor</c>
/// suffix) and kind of a relocation's root type (libbpf's candidates), whole, and everything they
/// embed (members, array elements, typedefs, qualifiers, enum values), so member names, offsets,
/// sizes, bitfields and existence come out as against the full BTF. Pointers become <c>void *</c>:
/// a relocation's access path never goes through one (each dereference starts a relocation of its
/// own, rooted at the pointee), and libbpf finds any two pointers compatible. Relocation kinds for
/// which that is not enough (the target's type id, type matches) make <see cref="Roots"/> say no,
/// and the object is relocated against the full BTF.
/// </para>
/// <para>
/// The code runs once per process start, so it avoids what costs JIT time there (LINQ, collections
/// of value tuples): that was most of its first run.
/// </para>
/// </remarks>
internal static unsafe class MinimalKernelBtf
{
    private const ushort Magic = 0xEB9F;
    private const int HeaderLength = 24;
    private const int ExtCoreHeaderLength = 32;
    private const int TypeHeaderSize = 12;

    /// <summary>
    /// The roots of the CO-RE relocations in an object's raw <c>.BTF.ext</c> section (whose types and
    /// strings are in its raw <c>.BTF</c>), each once, as <see cref="RootKey"/> strings in ordinal
    /// order; null when a relocation needs more of the kernel's BTF than this class keeps. Reads only
    /// the records it needs, without building the object's types.
    /// </summary>
    /// <exception cref="BtfFormatException">A section is malformed.</exception>
    public static List<string>? Roots(ReadOnlySpan<byte> btf, ReadOnlySpan<byte> btfExt)
    {
        var roots = new List<string>();
        if (btfExt.Length < HeaderLength || BinaryPrimitives.ReadUInt16LittleEndian(btfExt) != Magic)
            throw new BtfFormatException("bad .BTF.ext header", 0);
        var extHeaderLength = (int)U32(btfExt, 4);
        if (extHeaderLength < ExtCoreHeaderLength)
            return roots;
        var relocations = Slice(btfExt, extHeaderLength + (int)U32(btfExt, 24), (int)U32(btfExt, 28), ".BTF.ext core_relo");
        if (relocations.IsEmpty)
            return roots;

        if (btf.Length < HeaderLength || BinaryPrimitives.ReadUInt16LittleEndian(btf) != Magic)
            throw new BtfFormatException("bad .BTF header", 0);
        var headerLength = (int)U32(btf, 4);
        var types = Slice(btf, headerLength + (int)U32(btf, 8), (int)U32(btf, 12), ".BTF types");
        var strings = Slice(btf, headerLength + (int)U32(btf, 16), (int)U32(btf, 20), ".BTF strings");
        // Type ids are record numbers from 1: the offset of each record is found by walking them.
        var offsets = new List<int> { -1 };
        for (var at = 0; at < types.Length; at += RecordSize(types[at..]))
            offsets.Add(at);

        var recordSize = (int)U32(relocations, 0);
        if (recordSize < 16)
            throw new BtfFormatException($"core_relo record size {recordSize} is below 16", 0);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var at = 4; at < relocations.Length;)
        {
            var count = (int)U32(relocations, at + 4);
            at += 8;
            for (var i = 0; i < count; i++, at += recordSize)
            {
                var typeId = U32(relocations, at + 4);
                switch ((BtfCoreRelocationKind)U32(relocations, at + 12))
                {
                    case BtfCoreRelocationKind.TypeIdLocal:
                        continue;
                    case BtfCoreRelocationKind.TypeIdTarget or BtfCoreRelocationKind.TypeMatches:
                        return null;
                }
                if (typeId == 0 || typeId >= (uint)offsets.Count)
                    throw new BtfFormatException($"a CO-RE relocation names type {typeId}, but the last type id is {offsets.Count - 1}", 0);
                var record = types[offsets[(int)typeId]..];
                var nameOffset = U32(record, 0);
                var name = nameOffset < (uint)strings.Length ? strings[(int)nameOffset..] : default;
                var length = name.IndexOf((byte)0);
                if (length <= 0)
                    return null;
                var key = RootKey(KindOf(U32(record, 4)), Encoding.UTF8.GetString(name[..EssentialLength(name[..length])]));
                if (seen.Add(key))
                    roots.Add(key);
            }
        }
        roots.Sort(StringComparer.Ordinal);
        return roots;
    }

    /// <summary>A root as one string: the kind libbpf matches candidates by (enum and enum64 alike), a space, the essential name.</summary>
    private static string RootKey(BtfKind kind, string essentialName) => $"{(int)CandidateKind(kind)} {essentialName}";

    /// <summary>
    /// Builds the BTF blob of the kernel types that match <paramref name="roots"/> (from
    /// <see cref="Roots"/>) and what they embed; <paramref name="unmatched"/> counts the roots no
    /// kernel type matched.
    /// </summary>
    public static byte[] Build(KernelBtf kernel, List<string> roots, out int unmatched)
    {
        using var lease = kernel.Lease();
        var writer = new Writer(lease.Pointer, kernel.TypeCount);
        var names = new byte[roots.Count][];
        var kinds = new BtfKind[roots.Count];
        var matched = new bool[roots.Count];
        var maxLength = 0;
        for (var i = 0; i < roots.Count; i++)
        {
            var space = roots[i].IndexOf(' ', StringComparison.Ordinal);
            kinds[i] = (BtfKind)int.Parse(roots[i].AsSpan(0, space), provider: null);
            names[i] = Encoding.UTF8.GetBytes(roots[i][(space + 1)..]);
            maxLength = Math.Max(maxLength, names[i].Length);
        }
        var lengths = new bool[maxLength + 1];
        foreach (var name in names)
            lengths[name.Length] = true;
        for (var id = 1; id < kernel.TypeCount; id++)
        {
            var root = MatchingRoot(lease.Pointer, id, names, kinds, lengths);
            if (root < 0)
                continue;
            writer.Include(id);
            matched[root] = true;
        }
        unmatched = 0;
        foreach (var found in matched)
            unmatched += found ? 0 : 1;
        return writer.ToArray();
    }

    /// <summary>
    /// The index of the root kernel type <paramref name="id"/> is a candidate of, or -1. Called for
    /// each of ~126,000 types: compiled optimized at once rather than in tier 0.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int MatchingRoot(nint btf, int id, byte[][] names, BtfKind[] kinds, bool[] lengths)
    {
        var header = LibBpf.BtfTypeById(btf, (uint)id);
        if (header->NameOff == 0)
            return -1;
        var kind = CandidateKind((BtfKind)header->Kind);
        if (kind is not (BtfKind.Struct or BtfKind.Union or BtfKind.Enum or BtfKind.Typedef or BtfKind.Int or BtfKind.Float or BtfKind.Forward))
            return -1;
        // A name longer than every root by more than a flavor suffix cannot match; names are short.
        var p = LibBpf.BtfNameByOffset(btf, header->NameOff);
        var name = MemoryMarshal.CreateReadOnlySpanFromNullTerminated(p);
        var essential = name[..EssentialLength(name)];
        if (essential.Length >= lengths.Length || !lengths[essential.Length])
            return -1;
        for (var i = 0; i < names.Length; i++)
        {
            if (kinds[i] == kind && essential.SequenceEqual(names[i]))
                return i;
        }
        return -1;
    }

    private static BtfKind CandidateKind(BtfKind kind) => kind == BtfKind.Enum64 ? BtfKind.Enum : kind;

    private static BtfKind KindOf(uint info) => (BtfKind)((info >> 24) & 0x1f);

    /// <summary>libbpf's <c>bpf_core_essential_name_len</c>: the name up to its last <c>___</c> flavor separator.</summary>
    private static int EssentialLength(ReadOnlySpan<byte> name)
    {
        for (var i = name.Length - 5; i >= 0; i--)
        {
            if (name[i] != '_' && name[i + 1] == '_' && name[i + 2] == '_' && name[i + 3] == '_' && name[i + 4] != '_')
                return i + 1;
        }
        return name.Length;
    }

    private static ReadOnlySpan<byte> Slice(ReadOnlySpan<byte> data, int offset, int length, string what)
    {
        if (offset < 0 || length < 0 || offset > data.Length || length > data.Length - offset)
            throw new BtfFormatException($"{what} [{offset}, +{length}) lie outside the section", offset);
        return data.Slice(offset, length);
    }

    private static uint U32(ReadOnlySpan<byte> data, int at) => BinaryPrimitives.ReadUInt32LittleEndian(data[at..]);

    private static void Put(Span<byte> data, int at, uint value) => BinaryPrimitives.WriteUInt32LittleEndian(data[at..], value);

    private static int RecordSize(ReadOnlySpan<byte> record)
    {
        var info = U32(record, 4);
        return RecordSize(KindOf(info), (int)(info & 0xffff));
    }

    /// <summary>The size of a raw type record: its header and what follows it for its kind.</summary>
    private static int RecordSize(BtfKind kind, int vlen) => TypeHeaderSize + kind switch
    {
        BtfKind.Int or BtfKind.Var or BtfKind.DeclTag => 4,
        BtfKind.Array => 12,
        BtfKind.Struct or BtfKind.Union or BtfKind.DataSec or BtfKind.Enum64 => 12 * vlen,
        BtfKind.Enum or BtfKind.FuncProto => 8 * vlen,
        _ => 0,
    };

    /// <summary>Copies kernel types and what they embed, renumbered from 1, with their strings.</summary>
    private sealed class Writer(nint kernel, int typeCount)
    {
        private readonly int[] _newIds = new int[typeCount];
        private readonly List<int> _sources = [];
        private readonly Dictionary<int, int> _stringOffsets = [];
        private readonly MemoryStream _strings = new();

        /// <summary>Includes kernel type <paramref name="id"/> and its closure.</summary>
        public void Include(int id)
        {
            if (id == 0 || _newIds[id] != 0)
                return;
            _sources.Add(id);
            _newIds[id] = _sources.Count;
            var header = LibBpf.BtfTypeById(kernel, (uint)id);
            var trailer = (uint*)((byte*)header + TypeHeaderSize);
            switch ((BtfKind)header->Kind)
            {
                case BtfKind.Typedef or BtfKind.Volatile or BtfKind.Const or BtfKind.Restrict or BtfKind.TypeTag:
                    Include((int)header->SizeOrType);
                    break;
                case BtfKind.Array:
                    Include((int)trailer[0]);
                    Include((int)trailer[1]);
                    break;
                case BtfKind.Struct or BtfKind.Union:
                    for (var i = 0; i < header->Vlen; i++)
                        Include((int)trailer[(i * 3) + 1]);
                    break;
                case BtfKind.FuncProto:
                    Include((int)header->SizeOrType);
                    for (var i = 0; i < header->Vlen; i++)
                        Include((int)trailer[(i * 2) + 1]);
                    break;
            }
        }

        public byte[] ToArray()
        {
            _strings.WriteByte(0);
            var typesLength = 0;
            foreach (var id in _sources)
            {
                var header = LibBpf.BtfTypeById(kernel, (uint)id);
                typesLength += RecordSize((BtfKind)header->Kind, header->Vlen);
            }
            var types = new byte[typesLength];
            var at = 0;
            foreach (var id in _sources)
                at += Copy(id, types.AsSpan(at));

            var strings = _strings.GetBuffer().AsSpan(0, (int)_strings.Length);
            var blob = new byte[HeaderLength + types.Length + strings.Length];
            BinaryPrimitives.WriteUInt16LittleEndian(blob, Magic);
            blob[2] = 1;
            Put(blob, 4, HeaderLength);
            Put(blob, 8, 0);
            Put(blob, 12, (uint)types.Length);
            Put(blob, 16, (uint)types.Length);
            Put(blob, 20, (uint)strings.Length);
            types.CopyTo(blob.AsSpan(HeaderLength));
            strings.CopyTo(blob.AsSpan(HeaderLength + types.Length));
            return blob;
        }

        /// <summary>Writes kernel type <paramref name="id"/> into <paramref name="record"/> with new ids and string offsets; returns its size.</summary>
        private int Copy(int id, Span<byte> record)
        {
            var header = LibBpf.BtfTypeById(kernel, (uint)id);
            var vlen = header->Vlen;
            var size = RecordSize((BtfKind)header->Kind, vlen);
            new ReadOnlySpan<byte>(header, size).CopyTo(record);
            var trailer = record[TypeHeaderSize..];
            Put(record, 0, String(header->NameOff));
            switch ((BtfKind)header->Kind)
            {
                case BtfKind.Pointer:
                    // void *: the access paths of relocations stop at pointers (see the class remarks).
                    Put(record, 8, 0);
                    break;
                case BtfKind.Typedef or BtfKind.Volatile or BtfKind.Const or BtfKind.Restrict or BtfKind.TypeTag:
                    Put(record, 8, NewId(header->SizeOrType));
                    break;
                case BtfKind.Array:
                    Put(trailer, 0, NewId(U32(trailer, 0)));
                    Put(trailer, 4, NewId(U32(trailer, 4)));
                    break;
                case BtfKind.Struct or BtfKind.Union:
                    for (var i = 0; i < vlen; i++)
                    {
                        Put(trailer, i * 12, String(U32(trailer, i * 12)));
                        Put(trailer, (i * 12) + 4, NewId(U32(trailer, (i * 12) + 4)));
                    }
                    break;
                case BtfKind.Enum:
                    for (var i = 0; i < vlen; i++)
                        Put(trailer, i * 8, String(U32(trailer, i * 8)));
                    break;
                case BtfKind.Enum64:
                    for (var i = 0; i < vlen; i++)
                        Put(trailer, i * 12, String(U32(trailer, i * 12)));
                    break;
                case BtfKind.FuncProto:
                    Put(record, 8, NewId(header->SizeOrType));
                    for (var i = 0; i < vlen; i++)
                    {
                        Put(trailer, i * 8, String(U32(trailer, i * 8)));
                        Put(trailer, (i * 8) + 4, NewId(U32(trailer, (i * 8) + 4)));
                    }
                    break;
            }
            return size;
        }

        private uint NewId(uint kernelId) => (uint)_newIds[kernelId];

        private uint String(uint kernelOffset)
        {
            if (kernelOffset == 0)
                return 0;
            if (_stringOffsets.TryGetValue((int)kernelOffset, out var offset))
                return (uint)offset;
            offset = (int)_strings.Length;
            _strings.Write(MemoryMarshal.CreateReadOnlySpanFromNullTerminated(LibBpf.BtfNameByOffset(kernel, kernelOffset)));
            _strings.WriteByte(0);
            _stringOffsets.Add((int)kernelOffset, offset);
            return (uint)offset;
        }
    }
}
