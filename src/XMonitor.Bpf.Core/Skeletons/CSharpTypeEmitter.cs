using System.Text;
using XMonitor.Bpf.Btf;

namespace XMonitor.Bpf.Skeletons;

/// <summary>
/// Writes C# structs and enums, nested in the skeleton class <c>container</c> so that objects sharing
/// a header (each has its own copy in BTF) do not define the same type twice in one namespace, with the exact BTF layout of the C types a skeleton exposes:
/// explicit layout with every field at its BTF offset, unions as overlapping fields, anonymous
/// members flattened, arrays as inline arrays (char arrays with a string helper), bitfields as
/// properties over their storage bytes, pointers as 64-bit addresses.
/// </summary>
internal sealed class CSharpTypeEmitter(string accessibility, string container, IReadOnlySet<string> reservedNames)
{
    private const int MaxDepth = 64;

    private readonly Dictionary<int, string> _names = [];
    private readonly Queue<BtfType> _pending = new();
    private readonly HashSet<int> _emitted = [];

    /// <summary>
    /// The C# type for <paramref name="type"/>, queuing struct, union and enum definitions; an
    /// anonymous struct or union is named <paramref name="anonymousName"/> (its parent and member).
    /// </summary>
    internal string TypeName(BtfType type, string? anonymousName = null)
    {
        type = Strip(type);
        switch (type)
        {
            case BtfInt i:
                return IntName(i);
            case BtfFloat f:
                return f.Size == 4 ? "float" : f.Size == 8 ? "double" : throw Unsupported(type, "float size");
            case BtfPointer:
                return "ulong";
            case BtfEnum e:
                if (e.IsAnonymous)
                    return IntName(e.Size, e.IsSigned);
                return container + "." + Queue(e, null);
            case BtfComposite c:
                return container + "." + Queue(c, anonymousName);
            default:
                throw Unsupported(type, "type kind");
        }
    }

    /// <summary>Writes every queued type definition.</summary>
    internal void EmitPending(StringBuilder sb)
    {
        while (_pending.Count > 0)
        {
            var type = _pending.Dequeue();
            if (!_emitted.Add(type.Id))
                continue;
            if (type is BtfEnum e)
                EmitEnum(sb, e);
            else
                EmitComposite(sb, (BtfComposite)type);
        }
    }

    /// <summary>The type behind typedefs, qualifiers and type tags (bounded against cycles by the reader).</summary>
    internal static BtfType Strip(BtfType type) => type.Spec.Resolve(type);

    private string Queue(BtfType type, string? anonymousName)
    {
        if (_names.TryGetValue(type.Id, out var name))
            return name;
        name = type.IsAnonymous ? anonymousName ?? $"Anonymous{type.Id}" : CSharpNames.Pascal(type.Name);
        // Two C types may map to one C# name (struct foo and enum foo), and a type may share its name
        // with a skeleton member (enum xm_filter_kind and the global xm_filter_kind): suffix the kind.
        if (_names.ContainsValue(name) || reservedNames.Contains(name))
            name += type.Kind.ToString();
        _names[type.Id] = name;
        _pending.Enqueue(type);
        return name;
    }

    private static string IntName(BtfInt i)
    {
        if ((i.Encoding & BtfIntEncoding.Bool) != 0 && i.Size == 1)
            return "bool";
        return IntName(i.Size, i.IsSigned);
    }

    private static string IntName(int size, bool signed) => (size, signed) switch
    {
        (1, true) => "sbyte",
        (1, false) => "byte",
        (2, true) => "short",
        (2, false) => "ushort",
        (4, true) => "int",
        (4, false) => "uint",
        (8, true) => "long",
        (8, false) => "ulong",
        (16, true) => "Int128",
        (16, false) => "UInt128",
        _ => throw new BtfFormatException($"integer of {size} bytes has no C# type"),
    };

    private void EmitEnum(StringBuilder sb, BtfEnum e)
    {
        var name = _names[e.Id];
        sb.AppendLine($"/// <summary>C <c>enum {e.Name}</c> ({e.Size} bytes), from the object's BTF.</summary>");
        sb.AppendLine($"[global::XMonitor.Bpf.BtfType(\"enum\", {CSharpNames.Literal(e.Name)})]");
        sb.AppendLine($"{accessibility} enum {name} : {IntName(e.Size, e.IsSigned)}");
        sb.AppendLine("{");
        var prefix = CommonPrefix(e);
        var used = new HashSet<string>(StringComparer.Ordinal);
        foreach (var v in e.Values)
        {
            var value = e.IsSigned ? v.Value.ToString(System.Globalization.CultureInfo.InvariantCulture) : v.UnsignedValue.ToString(System.Globalization.CultureInfo.InvariantCulture);
            sb.AppendLine($"    /// <summary><c>{v.Name}</c></summary>");
            sb.AppendLine($"    {Unique(CSharpNames.Pascal(v.Name[prefix.Length..].ToLowerInvariant()), used)} = {value},");
        }
        sb.AppendLine("}");
        sb.AppendLine();
    }

    private void EmitComposite(StringBuilder sb, BtfComposite c)
    {
        var name = _names[c.Id];
        var body = new StringBuilder();
        var nested = new StringBuilder();
        var used = new HashSet<string>(StringComparer.Ordinal) { name };
        EmitMembers(name, c, 0, body, nested, used, depth: 0);

        var kind = c.IsUnion ? "union" : "struct";
        sb.AppendLine($"/// <summary>C <c>{kind} {(c.IsAnonymous ? "(anonymous)" : c.Name)}</c>: {c.Size} bytes, laid out as its BTF says.</summary>");
        sb.AppendLine($"[global::System.Runtime.InteropServices.StructLayout(global::System.Runtime.InteropServices.LayoutKind.Explicit, Size = {c.Size})]");
        sb.AppendLine($"[global::XMonitor.Bpf.BtfType(\"{kind}\", {CSharpNames.Literal(c.IsAnonymous ? "" : c.Name)})]");
        sb.AppendLine($"{accessibility} partial struct {name}");
        sb.AppendLine("{");
        sb.AppendLine($"    /// <summary>Size of the C type in bytes.</summary>");
        sb.AppendLine($"    public const int SizeInBytes = {c.Size};");
        sb.AppendLine();
        sb.Append(body);
        sb.Append(nested);
        sb.AppendLine("}");
        sb.AppendLine();
    }

    private void EmitMembers(string owner, BtfComposite c, long baseBits, StringBuilder body, StringBuilder nested, HashSet<string> used, int depth)
    {
        if (depth > MaxDepth)
            throw new BtfFormatException($"{c}: anonymous members nest deeper than {MaxDepth}");
        foreach (var m in c.Members)
        {
            var bits = baseBits + m.BitOffset;
            var memberType = Strip(m.Type);
            // Anonymous struct/union members: their fields are reachable from the parent in C, so here too.
            if (string.IsNullOrEmpty(m.Name) && memberType is BtfComposite inner)
            {
                EmitMembers(owner, inner, bits, body, nested, used, depth + 1);
                continue;
            }
            var field = Unique(CSharpNames.Pascal(m.Name), used);
            if (m.IsBitfield)
                EmitBitfield(c, m, bits, field, body);
            else if (memberType is BtfArray array)
                EmitArray(array, bits / 8, field, m.Name, body, nested);
            else
            {
                body.AppendLine($"    /// <summary>C member <c>{m.Name}</c> at byte {bits / 8}.</summary>");
                body.AppendLine($"    [global::System.Runtime.InteropServices.FieldOffset({bits / 8})] public {TypeName(memberType, owner + field)} {field};");
            }
        }
    }

    private void EmitArray(BtfArray array, long offset, string field, string cName, StringBuilder body, StringBuilder nested)
    {
        // Multi-dimensional C arrays are flattened into one inline array of the innermost element.
        long length = array.Length;
        var element = Strip(array.ElementType);
        var guard = 0;
        while (element is BtfArray innerArray && guard++ < MaxDepth)
        {
            length *= innerArray.Length;
            element = Strip(innerArray.ElementType);
        }
        var bufferName = field + "Buffer";
        body.AppendLine($"    /// <summary>C member <c>{cName}</c> at byte {offset}: {length} elements.</summary>");
        if (length == 0)
        {
            // A flexible array member occupies no bytes; nothing to read in place.
            return;
        }
        var elementName = TypeName(element);
        body.AppendLine($"    [global::System.Runtime.InteropServices.FieldOffset({offset})] public {bufferName} {field};");
        nested.AppendLine();
        nested.AppendLine($"    /// <summary>Inline storage of <see cref=\"{field}\"/>.</summary>");
        nested.AppendLine($"    [global::System.Runtime.CompilerServices.InlineArray({length})]");
        nested.AppendLine($"    public struct {bufferName}");
        nested.AppendLine("    {");
        nested.AppendLine($"        private {elementName} _element0;");
        if (element is BtfInt { Size: 1 } charType && (charType.Encoding & BtfIntEncoding.Bool) == 0)
        {
            nested.AppendLine();
            nested.AppendLine("        /// <summary>The bytes up to the first NUL, as UTF-8 text (how the kernel fills <c>comm</c> and similar).</summary>");
            nested.AppendLine($"        public override readonly string ToString() => global::XMonitor.Bpf.BpfStrings.FromCString(global::System.Runtime.InteropServices.MemoryMarshal.AsBytes((global::System.ReadOnlySpan<{elementName}>)this));");
        }
        nested.AppendLine("    }");
    }

    private void EmitBitfield(BtfComposite owner, BtfMember m, long bits, string field, StringBuilder body)
    {
        var type = Strip(m.Type);
        var size = (int)owner.Size;
        var first = (int)(bits / 8);
        var last = (int)((bits + m.BitfieldSize - 1) / 8);
        var unit = 1;
        while (unit < last - first + 1)
            unit *= 2;
        if (unit > 8)
            throw new BtfFormatException($"{owner}: bitfield '{m.Name}' spans {last - first + 1} bytes");
        // Read a storage unit that stays inside the struct, shifting the bitfield within it.
        var start = Math.Min(first, Math.Max(0, size - unit));
        var shift = (int)(bits - (start * 8L));
        var storage = IntName(unit, signed: false);
        var storageField = $"_{char.ToLowerInvariant(field[0])}{field[1..]}Bits";
        var valueType = TypeName(type);
        var mask = m.BitfieldSize == 64 ? "ulong.MaxValue" : $"0x{(1UL << m.BitfieldSize) - 1:x}UL";
        body.AppendLine($"    [global::System.Runtime.InteropServices.FieldOffset({start})] private {storage} {storageField};");
        body.AppendLine();
        body.AppendLine($"    /// <summary>C bitfield <c>{m.Name}</c>: {m.BitfieldSize} bits at bit {bits}.</summary>");
        body.AppendLine($"    public {valueType} {field}");
        body.AppendLine("    {");
        var read = $"(((ulong){storageField}) >> {shift}) & {mask}";
        var written = valueType == "bool" ? "(value ? 1UL : 0UL)" : "(ulong)value";
        body.AppendLine(valueType == "bool" ? $"        readonly get => ({read}) != 0;" : $"        readonly get => ({valueType})({read});");
        body.AppendLine($"        set => {storageField} = ({storage})(((ulong){storageField} & ~({mask} << {shift})) | (({written} & {mask}) << {shift}));");
        body.AppendLine("    }");
        body.AppendLine();
    }

    /// <summary>The prefix all values share up to an underscore (<c>SAMPLE_MODE_</c>), which the C# names drop.</summary>
    private static string CommonPrefix(BtfEnum e)
    {
        if (e.Values.Count < 2)
            return "";
        var prefix = e.Values[0].Name;
        foreach (var v in e.Values)
        {
            var n = 0;
            while (n < prefix.Length && n < v.Name.Length && prefix[n] == v.Name[n])
                n++;
            prefix = prefix[..n];
        }
        var cut = prefix.LastIndexOf('_');
        prefix = cut < 0 ? "" : prefix[..(cut + 1)];
        // Keep the prefix when dropping it would leave a name empty.
        return e.Values.Any(v => v.Name.Length == prefix.Length) ? "" : prefix;
    }

    private static string Unique(string name, HashSet<string> used)
    {
        var candidate = name;
        for (var i = 2; !used.Add(candidate); i++)
            candidate = name + i;
        return candidate;
    }

    private static BtfFormatException Unsupported(BtfType type, string what)
        => new($"{type}: unsupported {what} for a C# mirror");
}
