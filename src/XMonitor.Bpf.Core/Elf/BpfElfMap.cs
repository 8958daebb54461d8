using XMonitor.Bpf.Btf;

namespace XMonitor.Bpf.Elf;

/// <summary>
/// A map defined in the <c>.maps</c> section with libbpf's BTF convention (<c>__uint(type, ...)</c>,
/// <c>__type(key, ...)</c>, ...). Attributes the definition leaves out are 0.
/// </summary>
public sealed class BpfElfMap
{
    internal BpfElfMap(string name, long offset, BtfType definition)
    {
        Name = name;
        Offset = offset;
        Definition = definition;
    }

    /// <summary>The map (variable) name.</summary>
    public string Name { get; }

    /// <summary>The offset of the definition in the <c>.maps</c> section.</summary>
    public long Offset { get; }

    /// <summary>The anonymous struct type of the definition.</summary>
    public BtfType Definition { get; }

    /// <summary>The map type, a <c>BPF_MAP_TYPE_*</c> value (1 is hash, 2 array, 27 ring buffer, ...).</summary>
    public uint Type { get; internal set; }

    /// <summary>The key size in bytes, from <c>key_size</c> or the size of the <c>key</c> type.</summary>
    public uint KeySize { get; internal set; }

    /// <summary>The value size in bytes, from <c>value_size</c> or the size of the <c>value</c> type.</summary>
    public uint ValueSize { get; internal set; }

    /// <summary>The maximum number of entries (the buffer size in bytes for ring buffers).</summary>
    public uint MaxEntries { get; internal set; }

    /// <summary>The <c>BPF_F_*</c> creation flags.</summary>
    public uint Flags { get; internal set; }

    /// <summary>The NUMA node (meaningful with <c>BPF_F_NUMA_NODE</c>).</summary>
    public uint NumaNode { get; internal set; }

    /// <summary>The pinning mode: 0 none, 1 <c>LIBBPF_PIN_BY_NAME</c>.</summary>
    public uint Pinning { get; internal set; }

    /// <summary>The type-specific <c>map_extra</c> value (bloom filter hash count, ...).</summary>
    public ulong MapExtra { get; internal set; }

    /// <summary>The key type when the definition names one with <c>__type(key, ...)</c>.</summary>
    public BtfType? KeyType { get; internal set; }

    /// <summary>The value type when the definition names one with <c>__type(value, ...)</c>.</summary>
    public BtfType? ValueType { get; internal set; }

    /// <summary>Describes the map like <c>events (type 27, key 0, value 0, 262144 entries)</c>.</summary>
    public override string ToString() => $"{Name} (type {Type}, key {KeySize}, value {ValueSize}, {MaxEntries} entries)";
}
