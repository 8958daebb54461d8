using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using XMonitor.Bpf.Btf;
using XMonitor.Bpf.Elf;

namespace XMonitor.Bpf.Tests.Skeletons;

/// <summary>Checks every struct a skeleton generated against the BTF of the object it came from.</summary>
internal static class SkeletonLayout
{
    /// <summary>Returns one line per mismatch (empty when size and every field offset agree), and how many structs were checked.</summary>
    public static (List<string> Problems, int Checked) Verify(Type skeleton)
    {
        var resource = (string)skeleton.GetField("ResourceName")!.GetValue(null)!;
        using var stream = skeleton.Assembly.GetManifestResourceStream(resource)!;
        var btf = BpfElfFile.Load(stream).Btf!;
        var problems = new List<string>();
        var count = 0;
        foreach (var type in skeleton.GetNestedTypes(BindingFlags.Public | BindingFlags.NonPublic).Where(t => t.IsValueType && !t.IsEnum))
        {
            var attr = type.GetCustomAttribute<BtfTypeAttribute>();
            if (attr is null || attr.Name.Length == 0)
                continue;
            var kind = attr.Kind == "union" ? BtfKind.Union : BtfKind.Struct;
            var composite = (BtfComposite)btf.FindType(attr.Name, kind);
            count++;
            var size = (int)typeof(Unsafe).GetMethod(nameof(Unsafe.SizeOf))!.MakeGenericMethod(type).Invoke(null, null)!;
            if (size != composite.Size)
                problems.Add($"{type.Name}: size {size}, BTF {composite.Size}");
            CheckMembers(type, composite, 0, problems);
        }
        return (problems, count);
    }

    private static void CheckMembers(Type type, BtfComposite composite, long baseOffset, List<string> problems)
    {
        foreach (var member in composite.Members)
        {
            var resolved = member.Type.Spec.Resolve(member.Type);
            if (member.Name.Length == 0 && resolved is BtfComposite inner)
            {
                CheckMembers(type, inner, baseOffset + member.ByteOffset, problems);
                continue;
            }
            var name = Pascal(member.Name);
            if (member.IsBitfield)
            {
                if (type.GetProperty(name) is null)
                    problems.Add($"{type.Name}: bitfield {member.Name} has no property {name}");
                continue;
            }
            var field = type.GetField(name);
            var offset = field?.GetCustomAttribute<FieldOffsetAttribute>()?.Value;
            if (offset != baseOffset + member.ByteOffset)
                problems.Add($"{type.Name}.{name}: offset {offset?.ToString() ?? "missing"}, BTF {baseOffset + member.ByteOffset}");
        }
    }

    private static string Pascal(string c) => string.Concat(c.Split('_', StringSplitOptions.RemoveEmptyEntries).Select(p => char.ToUpperInvariant(p[0]) + p[1..]));
}
