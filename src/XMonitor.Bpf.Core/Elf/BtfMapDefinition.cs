using XMonitor.Bpf.Btf;

namespace XMonitor.Bpf.Elf;

/// <summary>
/// Decodes a BTF map definition from <c>.maps</c> the way libbpf does: an integer attribute
/// <c>__uint(name, N)</c> is a member <c>int (*name)[N]</c>, so its value is the length of the
/// pointed-to array; a type attribute <c>__type(key, T)</c> is a member <c>T *key</c>.
/// </summary>
internal static class BtfMapDefinition
{
    public static BpfElfMap Parse(BtfSpec btf, BtfVar variable, long offset)
    {
        var name = variable.Name;
        if (btf.Resolve(variable.Type) is not BtfComposite { Kind: BtfKind.Struct } definition)
            throw new BpfElfFormatException($"map '{name}': the definition is {btf.Resolve(variable.Type)}, not a struct");
        var map = new BpfElfMap(name, offset, definition);
        uint? keySize = null, valueSize = null;
        foreach (var member in definition.Members)
        {
            switch (member.Name)
            {
                case "type": map.Type = UintAttribute(btf, name, member); break;
                case "max_entries": map.MaxEntries = UintAttribute(btf, name, member); break;
                case "map_flags": map.Flags = UintAttribute(btf, name, member); break;
                case "numa_node": map.NumaNode = UintAttribute(btf, name, member); break;
                case "pinning": map.Pinning = UintAttribute(btf, name, member); break;
                case "map_extra": map.MapExtra = UintAttribute(btf, name, member); break;
                case "key_size": keySize = Agree(name, "key", keySize, UintAttribute(btf, name, member)); break;
                case "value_size": valueSize = Agree(name, "value", valueSize, UintAttribute(btf, name, member)); break;
                case "key":
                    map.KeyType = TypeAttribute(btf, name, member);
                    keySize = Agree(name, "key", keySize, (uint)btf.SizeOf(map.KeyType));
                    break;
                case "value":
                    map.ValueType = TypeAttribute(btf, name, member);
                    valueSize = Agree(name, "value", valueSize, (uint)btf.SizeOf(map.ValueType));
                    break;
                // Inner map and program array initializers: a loader's business, nothing to describe.
                case "values": break;
                default:
                    throw new BpfElfFormatException($"map '{name}': unknown attribute '{member.Name}'");
            }
        }
        map.KeySize = keySize ?? 0;
        map.ValueSize = valueSize ?? 0;
        return map;
    }

    private static uint UintAttribute(BtfSpec btf, string map, BtfMember member)
    {
        if (btf.Resolve(member.Type) is not BtfPointer pointer || btf.Resolve(pointer.Target) is not BtfArray array)
            throw new BpfElfFormatException($"map '{map}': attribute '{member.Name}' is not declared with __uint (a pointer to an array)");
        return array.Length;
    }

    private static BtfType TypeAttribute(BtfSpec btf, string map, BtfMember member)
    {
        if (btf.Resolve(member.Type) is not BtfPointer pointer)
            throw new BpfElfFormatException($"map '{map}': attribute '{member.Name}' is not declared with __type (a pointer)");
        var target = pointer.Target;
        try
        {
            btf.SizeOf(target);
        }
        catch (ArgumentException)
        {
            throw new BpfElfFormatException($"map '{map}': the {member.Name} type {target} has no size");
        }
        return target;
    }

    private static uint Agree(string map, string what, uint? previous, uint size)
        => previous is { } p && p != size
            ? throw new BpfElfFormatException($"map '{map}': {what} size {size} conflicts with {p} given elsewhere in the definition")
            : size;
}
