using System.Runtime.CompilerServices;
using System.Text;
using XMonitor.Bpf.Interop;

namespace XMonitor.Bpf;

/// <summary>
/// A map of a loaded <see cref="BpfObject"/>, read and written as raw bytes into caller-provided
/// spans (no allocation). <see cref="AsTyped{TKey, TValue}"/> gives the typed view most code wants.
/// Lookups answer "not found" as false, never as an exception; real failures throw
/// <see cref="BpfException"/> with the map's name and errno.
/// </summary>
public sealed unsafe class BpfMap
{
    private static readonly Lazy<int> CpuCount = new(() => LibBpf.NumPossibleCpus());

    private readonly BpfObject _owner;
    private readonly nint _map;
    private readonly string _leaseName;

    internal BpfMap(BpfObject owner, nint map)
    {
        _owner = owner;
        _map = map;
        Name = LibBpf.ToStr(LibBpf.MapName(map)) ?? "";
        Type = (BpfMapType)LibBpf.MapType(map);
        KeySize = (int)LibBpf.MapKeySize(map);
        ValueSize = (int)LibBpf.MapValueSize(map);
        MaxEntries = (int)LibBpf.MapMaxEntries(map);
        Flags = LibBpf.MapFlags(map);
        IsInternal = LibBpf.MapIsInternal(map);
        Fd = LibBpf.MapFd(map);
        IsPerCpu = Type is BpfMapType.PerCpuHash or BpfMapType.PerCpuArray or BpfMapType.LruPerCpuHash or BpfMapType.PerCpuCgroupStorage;
        LookupValueSize = IsPerCpu ? PerCpuStride(ValueSize) * PossibleCpus : ValueSize;
        // Made once: every map call takes a lease, and formatting the name per call allocated 88 bytes.
        _leaseName = $"BPF object '{_owner.Name}' (map '{Name}')";
    }

    /// <summary>Number of possible CPUs: how many values a per-CPU map holds per key.</summary>
    public static int PossibleCpus => CpuCount.Value;

    /// <summary>The map's name.</summary>
    public string Name { get; }

    /// <summary>The map type.</summary>
    public BpfMapType Type { get; }

    /// <summary>Key size in bytes.</summary>
    public int KeySize { get; }

    /// <summary>Value size in bytes (of one CPU's value for per-CPU maps).</summary>
    public int ValueSize { get; }

    /// <summary>Capacity (for a ring buffer, its size in bytes).</summary>
    public int MaxEntries { get; }

    /// <summary>The <c>map_flags</c> it was created with.</summary>
    public uint Flags { get; }

    /// <summary>True for libbpf's <c>.rodata</c>/<c>.data</c>/<c>.bss</c>/<c>.kconfig</c> maps.</summary>
    public bool IsInternal { get; }

    /// <summary>True for per-CPU maps, whose lookups return one value per possible CPU.</summary>
    public bool IsPerCpu { get; }

    /// <summary>
    /// Bytes a lookup writes: <see cref="ValueSize"/>, or for per-CPU maps one 8-byte-aligned slot
    /// per possible CPU.
    /// </summary>
    public int LookupValueSize { get; }

    /// <summary>The map's file descriptor (owned by the object).</summary>
    public int Fd { get; }

    /// <summary>The object this map belongs to.</summary>
    public BpfObject Object => _owner;

    /// <summary>A typed view over keys and values of the given unmanaged types, whose sizes must match the map's.</summary>
    /// <exception cref="ArgumentException">A size differs; the message gives both.</exception>
    public BpfMap<TKey, TValue> AsTyped<TKey, TValue>() where TKey : unmanaged where TValue : unmanaged
        => new(this);

    /// <summary>Copies the value of <paramref name="key"/> into <paramref name="value"/> (at least <see cref="LookupValueSize"/> bytes).</summary>
    /// <returns>False when the key is not in the map.</returns>
    public bool TryLookup(ReadOnlySpan<byte> key, Span<byte> value)
    {
        CheckKey(key);
        CheckValue(value);
        using var lease = Lease();
        fixed (byte* k = key)
        fixed (byte* v = value)
            return Found(LibBpf.MapLookupElem(Fd, k, v), "lookup");
    }

    /// <summary>Creates or replaces the entry of <paramref name="key"/> as <paramref name="flags"/> allow.</summary>
    public void Update(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value, BpfMapUpdateFlags flags = BpfMapUpdateFlags.Any)
    {
        CheckKey(key);
        CheckValue(value);
        using var lease = Lease();
        fixed (byte* k = key)
        fixed (byte* v = value)
        {
            if (LibBpf.MapUpdateElem(Fd, k, v, (ulong)flags) != 0)
                throw Failure("update");
        }
    }

    /// <summary>Deletes the entry of <paramref name="key"/>.</summary>
    /// <returns>False when the key was not in the map.</returns>
    public bool Delete(ReadOnlySpan<byte> key)
    {
        CheckKey(key);
        using var lease = Lease();
        fixed (byte* k = key)
            return Found(LibBpf.MapDeleteElem(Fd, k), "delete");
    }

    /// <summary>Copies the value of <paramref name="key"/> and deletes the entry in one step
    /// (for queues and stacks pass an empty key).</summary>
    /// <returns>False when the key was not in the map.</returns>
    public bool TryLookupAndDelete(ReadOnlySpan<byte> key, Span<byte> value)
    {
        if (!key.IsEmpty)
            CheckKey(key);
        CheckValue(value);
        using var lease = Lease();
        fixed (byte* k = key)
        fixed (byte* v = value)
            return Found(LibBpf.MapLookupAndDeleteElem(Fd, key.IsEmpty ? null : k, v), "lookup and delete");
    }

    /// <summary>
    /// Writes the key after <paramref name="key"/> (the first key when <paramref name="key"/> is empty) into
    /// <paramref name="nextKey"/>. Deleting the current key while iterating makes hash maps restart from
    /// the first key: collect keys first, or use <see cref="ReadAll(Span{byte}, Span{byte}, bool)"/> with delete.
    /// </summary>
    /// <returns>False when there is no next key.</returns>
    public bool TryGetNextKey(ReadOnlySpan<byte> key, Span<byte> nextKey)
    {
        if (!key.IsEmpty)
            CheckKey(key);
        CheckKey(nextKey);
        using var lease = Lease();
        fixed (byte* k = key)
        fixed (byte* n = nextKey)
            return Found(LibBpf.MapGetNextKey(Fd, key.IsEmpty ? null : k, n), "get next key");
    }

    /// <summary>
    /// Reads up to <c>keys.Length / KeySize</c> entries into <paramref name="keys"/> and
    /// <paramref name="values"/> (<see cref="LookupValueSize"/> bytes each), optionally deleting them,
    /// with the kernel's batch operations where the kernel and map type have them, key by key where not.
    /// Size the buffers for <see cref="MaxEntries"/> to read the whole map.
    /// </summary>
    /// <returns>The number of entries read.</returns>
    public int ReadAll(Span<byte> keys, Span<byte> values, bool delete = false)
    {
        var capacity = Math.Min(keys.Length / Math.Max(KeySize, 1), values.Length / Math.Max(LookupValueSize, 1));
        if (capacity == 0)
            return 0;
        using var lease = Lease();
        fixed (byte* k = keys)
        fixed (byte* v = values)
        {
            return BatchSupported(Type) && KernelFeatures.IsSupported(KernelFeature.MapBatchOps)
                ? ReadBatched(k, v, capacity, delete)
                : ReadKeyByKey(k, v, capacity, delete);
        }
    }

    /// <summary>Writes <c>keys.Length / KeySize</c> entries in one batch (key by key where batch updates are missing).</summary>
    public void UpdateAll(ReadOnlySpan<byte> keys, ReadOnlySpan<byte> values, BpfMapUpdateFlags flags = BpfMapUpdateFlags.Any)
    {
        var count = keys.Length / Math.Max(KeySize, 1);
        if (values.Length < count * LookupValueSize)
            throw new ArgumentException($"map '{Name}': {count} keys need {count * LookupValueSize} bytes of values, got {values.Length}", nameof(values));
        using var lease = Lease();
        fixed (byte* k = keys)
        fixed (byte* v = values)
        {
            if (BatchSupported(Type) && KernelFeatures.IsSupported(KernelFeature.MapBatchOps))
            {
                var n = (uint)count;
                var opts = new MapBatchOpts { Size = (nuint)sizeof(MapBatchOpts), ElemFlags = (ulong)flags };
                if (LibBpf.MapUpdateBatch(Fd, k, v, &n, &opts) != 0)
                    throw Failure("batch update");
                return;
            }
            for (var i = 0; i < count; i++)
            {
                if (LibBpf.MapUpdateElem(Fd, k + (i * KeySize), v + (i * LookupValueSize), (ulong)flags) != 0)
                    throw Failure("update");
            }
        }
    }

    /// <summary>Pins the map at <paramref name="path"/> in bpffs so other processes can open it.</summary>
    public void Pin(string path)
    {
        using var lease = Lease();
        fixed (byte* p = Encoding.UTF8.GetBytes(path + "\0"))
        {
            var rc = LibBpf.MapPin(_map, p);
            if (rc < 0)
                throw BpfException.FromErrno($"pin map '{Name}' of BPF object '{_owner.Name}' at '{path}'", -rc);
        }
    }

    /// <summary>Removes the pin at <paramref name="path"/> (or the map's own pin path when null).</summary>
    public void Unpin(string? path = null)
    {
        using var lease = Lease();
        fixed (byte* p = path is null ? null : Encoding.UTF8.GetBytes(path + "\0"))
        {
            var rc = LibBpf.MapUnpin(_map, p);
            if (rc < 0)
                throw BpfException.FromErrno($"unpin map '{Name}' of BPF object '{_owner.Name}'", -rc);
        }
    }

    /// <summary>Makes the map read-only for user space from now on (<c>BPF_MAP_FREEZE</c>).</summary>
    public void Freeze()
    {
        using var lease = Lease();
        if (LibBpf.MapFreeze(Fd) != 0)
            throw Failure("freeze");
    }

    /// <summary>The 8-byte-aligned size of one CPU's value in a per-CPU lookup.</summary>
    internal static int PerCpuStride(int valueSize) => (valueSize + 7) & ~7;

    internal HandleLease Lease() => new(_owner.Handle, _leaseName);

    internal BpfException Failure(string operation)
        => BpfException.FromLastError($"{operation} in map '{Name}' of BPF object '{_owner.Name}'");

    /// <summary>Turns a lookup-style return code into found / not found, throwing for real errors.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal bool Found(int rc, string operation)
    {
        if (rc == 0)
            return true;
        var errno = LibBpf.LastErrno();
        if (errno == Errno.ENOENT)
            return false;
        throw BpfException.FromErrno($"{operation} in map '{Name}' of BPF object '{_owner.Name}'", errno);
    }

    private static bool BatchSupported(BpfMapType type)
        => type is BpfMapType.Hash or BpfMapType.PerCpuHash or BpfMapType.LruHash or BpfMapType.LruPerCpuHash
            or BpfMapType.Array or BpfMapType.PerCpuArray;

    private int ReadBatched(byte* keys, byte* values, int capacity, bool delete)
    {
        // The batch token is a bucket index for hash maps and a key for arrays: room for either.
        var token = stackalloc byte[Math.Max(KeySize, 8)];
        var opts = new MapBatchOpts { Size = (nuint)sizeof(MapBatchOpts) };
        var total = 0;
        var first = true;
        while (total < capacity)
        {
            var count = (uint)(capacity - total);
            var rc = delete
                ? LibBpf.MapLookupAndDeleteBatch(Fd, first ? null : token, token, keys + (total * KeySize), values + (total * LookupValueSize), &count, &opts)
                : LibBpf.MapLookupBatch(Fd, first ? null : token, token, keys + (total * KeySize), values + (total * LookupValueSize), &count, &opts);
            var errno = rc == 0 ? 0 : LibBpf.LastErrno();
            if (errno == 0 || errno == Errno.ENOENT)
            {
                total += (int)count;
                if (errno == Errno.ENOENT)
                    break;
                first = false;
                continue;
            }
            if (first && errno is Errno.EINVAL or Errno.EOPNOTSUPP or Errno.ENOTSUP_KERNEL)
                return ReadKeyByKey(keys, values, capacity, delete);
            // A hash bucket larger than the room left: the caller's buffer is full.
            if (errno == Errno.ENOSPC && total > 0)
                break;
            throw BpfException.FromErrno($"batch {(delete ? "lookup and delete" : "lookup")} in map '{Name}' of BPF object '{_owner.Name}'", errno);
        }
        return total;
    }

    private int ReadKeyByKey(byte* keys, byte* values, int capacity, bool delete)
    {
        var count = 0;
        byte* previous = null;
        while (count < capacity)
        {
            var key = keys + (count * KeySize);
            if (!Found(LibBpf.MapGetNextKey(Fd, previous, key), "get next key"))
                break;
            previous = key;
            count++;
        }
        var read = 0;
        for (var i = 0; i < count; i++)
        {
            var key = keys + (i * KeySize);
            if (!Found(LibBpf.MapLookupElem(Fd, key, values + (read * LookupValueSize)), "lookup"))
                continue;
            if (read != i)
                Buffer.MemoryCopy(key, keys + (read * KeySize), KeySize, KeySize);
            read++;
        }
        if (delete)
        {
            for (var i = 0; i < read; i++)
                LibBpf.MapDeleteElem(Fd, keys + (i * KeySize));
        }
        return read;
    }

    private void CheckKey(ReadOnlySpan<byte> key)
    {
        if (key.Length != KeySize)
            throw new ArgumentException($"map '{Name}' has {KeySize}-byte keys, got {key.Length} bytes", nameof(key));
    }

    private void CheckValue(ReadOnlySpan<byte> value)
    {
        if (value.Length < LookupValueSize)
            throw new ArgumentException($"map '{Name}' needs {LookupValueSize} bytes for a value{(IsPerCpu ? $" ({PossibleCpus} CPUs)" : "")}, got {value.Length}", nameof(value));
    }
}
