using System.Text;

namespace XMonitor.Bpf.Btf;

/// <summary>Reads CO-RE access strings (<c>0:12:3</c>) as the C expression they stand for.</summary>
public static class BtfAccessPath
{
    /// <summary>
    /// Describes what a CO-RE relocation touches: <c>struct task_struct::real_parent.tgid</c> for a
    /// field access, the type for type-based relocations, <c>enum x::VALUE</c> for enum values.
    /// Indices that do not resolve are printed as they are, never thrown.
    /// </summary>
    public static string Describe(BtfSpec btf, BtfCoreRelocation relocation)
    {
        ArgumentNullException.ThrowIfNull(btf);
        if ((uint)relocation.TypeId >= (uint)btf.Types.Count)
            return $"type #{relocation.TypeId} (out of range) {relocation.AccessString}";
        var root = btf.Types[relocation.TypeId];
        var text = new StringBuilder(Name(root));
        var indices = relocation.AccessString.Split(':', StringSplitOptions.RemoveEmptyEntries);
        var kind = relocation.Kind;
        if (kind is BtfCoreRelocationKind.EnumValue or BtfCoreRelocationKind.EnumValueExists)
        {
            if (btf.Resolve(root) is BtfEnum e && indices.Length == 1 && int.TryParse(indices[0], out var v) && v >= 0 && v < e.Values.Count)
                return $"{text}::{e.Values[v].Name}";
            return $"{text}::#{relocation.AccessString}";
        }
        if (kind is >= BtfCoreRelocationKind.TypeIdLocal and <= BtfCoreRelocationKind.TypeSize || indices.Length <= 1)
            return indices is ["0"] or [] ? text.ToString() : $"{text}[{indices[0]}]";

        if (indices[0] != "0")
            text.Append('[').Append(indices[0]).Append(']');
        var current = btf.Resolve(root);
        for (var i = 1; i < indices.Length; i++)
        {
            if (!int.TryParse(indices[i], out var index))
                return $"{text}:{string.Join(':', indices[i..])}";
            switch (current)
            {
                case BtfComposite c when index >= 0 && index < c.Members.Count:
                    var member = c.Members[index];
                    text.Append(i == 1 ? "::" : ".").Append(member.Name.Length == 0 ? "(anon)" : member.Name);
                    current = btf.Resolve(member.Type);
                    break;
                case BtfArray a:
                    text.Append('[').Append(index).Append(']');
                    current = btf.Resolve(a.ElementType);
                    break;
                default:
                    return $"{text}:{string.Join(':', indices[i..])}";
            }
        }
        return text.ToString();
    }

    private static string Name(BtfType type) => type switch
    {
        BtfComposite c => $"{(c.IsUnion ? "union" : "struct")} {(c.IsAnonymous ? "(anon)" : c.Name)}",
        BtfEnum e => $"enum {(e.IsAnonymous ? "(anon)" : e.Name)}",
        _ => type.IsAnonymous ? type.Kind.ToString().ToLowerInvariant() : type.Name,
    };
}
