using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using XMonitor.Bpf.Interop;

namespace XMonitor.Bpf;

/// <summary>
/// A typed view of a <see cref="BpfMap"/> whose keys and values are unmanaged structs laid out as in
/// the BPF program (use the generated skeleton types, or structs with explicit layout). No call
/// allocates; "not found" is a false return, not an exception.
/// </summary>
/// <typeparam name="TKey">The key type; its size equals the map's key size.</typeparam>
/// <typeparam name="TValue">The value type (one CPU's value for per-CPU maps); its size equals the map's value size.</typeparam>
public sealed unsafe class BpfMap<TKey, TValue> where TKey : unmanaged where TValue : unmanaged
{
    private readonly int _stride;

    internal BpfMap(BpfMap map)
    {
        if (sizeof(TKey) != map.KeySize)
            throw new ArgumentException($"map '{map.Name}' has {map.KeySize}-byte keys; {typeof(TKey).Name} is {sizeof(TKey)} bytes");
        if (sizeof(TValue) != map.ValueSize)
            throw new ArgumentException($"map '{map.Name}' has {map.ValueSize}-byte values; {typeof(TValue).Name} is {sizeof(TValue)} bytes");
        Map = map;
        _stride = BpfMap.PerCpuStride(sizeof(TValue));
    }

    /// <summary>The untyped map.</summary>
    public BpfMap Map { get; }

    /// <summary>Looks up <paramref name="key"/> in a map that is not per-CPU.</summary>
    /// <returns>False when the key is not in the map.</returns>
    public bool TryLookup(in TKey key, out TValue value)
    {
        ThrowIfPerCpu();
        value = default;
        using var lease = Map.Lease();
        fixed (TKey* k = &key)
        fixed (TValue* v = &value)
            return Map.Found(LibBpf.MapLookupElem(Map.Fd, k, v), "lookup");
    }

    /// <summary>Creates or replaces the entry of <paramref name="key"/> in a map that is not per-CPU.</summary>
    public void Update(in TKey key, in TValue value, BpfMapUpdateFlags flags = BpfMapUpdateFlags.Any)
    {
        ThrowIfPerCpu();
        using var lease = Map.Lease();
        fixed (TKey* k = &key)
        fixed (TValue* v = &value)
        {
            if (LibBpf.MapUpdateElem(Map.Fd, k, v, (ulong)flags) != 0)
                throw Map.Failure("update");
        }
    }

    /// <summary>Deletes the entry of <paramref name="key"/>.</summary>
    /// <returns>False when the key was not in the map.</returns>
    public bool Delete(in TKey key)
    {
        using var lease = Map.Lease();
        fixed (TKey* k = &key)
            return Map.Found(LibBpf.MapDeleteElem(Map.Fd, k), "delete");
    }

    /// <summary>
    /// Looks up <paramref name="key"/> in a per-CPU map, writing one value per possible CPU into
    /// <paramref name="perCpu"/> (at least <see cref="BpfMap.PossibleCpus"/> long).
    /// </summary>
    /// <returns>False when the key is not in the map.</returns>
    public bool TryLookupPerCpu(in TKey key, Span<TValue> perCpu)
    {
        ThrowIfNotPerCpu();
        var cpus = BpfMap.PossibleCpus;
        if (perCpu.Length < cpus)
            throw new ArgumentException($"map '{Map.Name}' holds {cpus} values per key (one per possible CPU); the span has room for {perCpu.Length}", nameof(perCpu));
        using var lease = Map.Lease();
        fixed (TKey* k = &key)
        {
            if (_stride == sizeof(TValue))
            {
                fixed (TValue* v = perCpu)
                    return Map.Found(LibBpf.MapLookupElem(Map.Fd, k, v), "lookup");
            }
            // The kernel pads each CPU's value to 8 bytes; unpad through a scratch buffer.
            var scratch = ArrayPool<byte>.Shared.Rent(_stride * cpus);
            try
            {
                fixed (byte* s = scratch)
                {
                    if (!Map.Found(LibBpf.MapLookupElem(Map.Fd, k, s), "lookup"))
                        return false;
                    for (var cpu = 0; cpu < cpus; cpu++)
                        perCpu[cpu] = Unsafe.ReadUnaligned<TValue>(s + (cpu * _stride));
                    return true;
                }
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(scratch);
            }
        }
    }

    /// <summary>Sets every CPU's value of <paramref name="key"/> in a per-CPU map.</summary>
    public void UpdatePerCpu(in TKey key, ReadOnlySpan<TValue> perCpu, BpfMapUpdateFlags flags = BpfMapUpdateFlags.Any)
    {
        ThrowIfNotPerCpu();
        var cpus = BpfMap.PossibleCpus;
        if (perCpu.Length != cpus)
            throw new ArgumentException($"map '{Map.Name}' needs {cpus} values (one per possible CPU), got {perCpu.Length}", nameof(perCpu));
        var scratch = ArrayPool<byte>.Shared.Rent(_stride * cpus);
        try
        {
            Array.Clear(scratch);
            for (var cpu = 0; cpu < cpus; cpu++)
                MemoryMarshal.Write(scratch.AsSpan(cpu * _stride), in perCpu[cpu]);
            using var lease = Map.Lease();
            fixed (TKey* k = &key)
            fixed (byte* v = scratch)
            {
                if (LibBpf.MapUpdateElem(Map.Fd, k, v, (ulong)flags) != 0)
                    throw Map.Failure("update");
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(scratch);
        }
    }

    /// <summary>
    /// Reads up to <c>keys.Length</c> entries with batch operations (key by key where the kernel lacks
    /// them), optionally deleting what it read. For per-CPU maps <paramref name="values"/> holds
    /// <see cref="BpfMap.PossibleCpus"/> consecutive values per key, and <typeparamref name="TValue"/>'s size must be a multiple of 8.
    /// </summary>
    /// <returns>The number of entries read.</returns>
    public int ReadAll(Span<TKey> keys, Span<TValue> values, bool delete = false)
    {
        var perKey = Map.IsPerCpu ? BpfMap.PossibleCpus : 1;
        if (Map.IsPerCpu && _stride != sizeof(TValue))
            throw new NotSupportedException($"per-CPU map '{Map.Name}': batch reads need a value size that is a multiple of 8 ({typeof(TValue).Name} is {sizeof(TValue)}); use TryLookupPerCpu");
        var count = Math.Min(keys.Length, values.Length / perKey);
        return Map.ReadAll(MemoryMarshal.AsBytes(keys[..count]), MemoryMarshal.AsBytes(values[..(count * perKey)]), delete);
    }

    /// <summary>Writes every pair of <paramref name="keys"/> and <paramref name="values"/> in one batch (not for per-CPU maps).</summary>
    public void UpdateAll(ReadOnlySpan<TKey> keys, ReadOnlySpan<TValue> values, BpfMapUpdateFlags flags = BpfMapUpdateFlags.Any)
    {
        ThrowIfPerCpu();
        if (keys.Length != values.Length)
            throw new ArgumentException($"{keys.Length} keys but {values.Length} values", nameof(values));
        Map.UpdateAll(MemoryMarshal.AsBytes(keys), MemoryMarshal.AsBytes(values), flags);
    }

    /// <summary>The keys in the map's order, read one <c>get_next_key</c> call at a time.</summary>
    public KeyEnumerator Keys => new(this);

    /// <summary>Enumerates keys without allocating.</summary>
    public struct KeyEnumerator
    {
        private readonly BpfMap<TKey, TValue> _owner;
        private TKey _current;
        private bool _started;

        internal KeyEnumerator(BpfMap<TKey, TValue> owner)
        {
            _owner = owner;
            _current = default;
            _started = false;
        }

        /// <summary>The current key.</summary>
        public readonly TKey Current => _current;

        /// <summary>Returns this enumerator, so <c>foreach</c> works on <see cref="Keys"/>.</summary>
        public readonly KeyEnumerator GetEnumerator() => this;

        /// <summary>Moves to the next key.</summary>
        public bool MoveNext()
        {
            TKey next;
            var map = _owner.Map;
            using var lease = map.Lease();
            fixed (TKey* c = &_current)
            {
                if (!map.Found(LibBpf.MapGetNextKey(map.Fd, _started ? c : null, &next), "get next key"))
                    return false;
            }
            _current = next;
            _started = true;
            return true;
        }
    }

    private void ThrowIfPerCpu()
    {
        if (Map.IsPerCpu)
            throw new InvalidOperationException($"map '{Map.Name}' is per-CPU: use TryLookupPerCpu / UpdatePerCpu");
    }

    private void ThrowIfNotPerCpu()
    {
        if (!Map.IsPerCpu)
            throw new InvalidOperationException($"map '{Map.Name}' is not per-CPU: use TryLookup / Update");
    }
}
