using System.Globalization;
using System.Text;

namespace XMonitor.Bpf.Btf;

/// <summary>
/// Prints one BTF type as C, the way <c>bpftool btf dump file X format c</c> prints it:
/// structs and unions with their members, anonymous nested structs, unions and enums inline,
/// arrays, pointers, function pointers, bitfields, explicit padding where the compiler would not
/// add it by itself, and <c>__attribute__((packed))</c>. Referenced named types are printed by
/// name only, not defined.
/// </summary>
public static class BtfCFormatter
{
    // Bounds inline nesting and declarator chains: real types stay far below, and hostile BTF
    // (self-containing anonymous structs, pointer cycles) must not recurse without end.
    private const int MaxDepth = 64;

    // Bounds the output on hostile BTF where anonymous members repeat a large nested type.
    private const int MaxOutputChars = 16 * 1024 * 1024;

    private static readonly (string Name, int Bits)[] PaddingTypes = [("long", 64), ("int", 32), ("short", 16), ("char", 8)];

    /// <summary>
    /// Formats <paramref name="type"/>: a full definition ending in <c>;</c> for structs, unions,
    /// enums, typedefs, functions and variables, and the plain type name (<c>unsigned int</c>,
    /// <c>char *</c>) for every other kind.
    /// </summary>
    /// <exception cref="BtfFormatException">The type nests without end (malformed BTF).</exception>
    public static string Format(BtfType type)
    {
        ArgumentNullException.ThrowIfNull(type);
        var writer = new Writer(type.Spec);
        switch (type)
        {
            case BtfComposite or BtfEnum:
                writer.Body(type, 0, 0);
                writer.Append(";");
                break;
            case BtfTypedef typedef:
                writer.Append("typedef ");
                writer.Declaration(typedef.Target, typedef.Name, 0, 0);
                writer.Append(";");
                break;
            case BtfFunc { Prototype: BtfFuncProto } func:
                if (func.Linkage == BtfLinkage.Static)
                    writer.Append("static ");
                writer.Declaration(func.Prototype, func.Name, 0, 0);
                writer.Append(";");
                break;
            case BtfVar variable:
                if (variable.Linkage == BtfLinkage.Static)
                    writer.Append("static ");
                writer.Declaration(variable.Type, variable.Name, 0, 0);
                writer.Append(";");
                break;
            case BtfDataSec datasec:
                writer.Append($"/* section {datasec.Name}: {datasec.Variables.Count} variables */");
                break;
            case BtfDeclTag tag:
                writer.Append($"__attribute__((btf_decl_tag(\"{tag.Name}\")))");
                break;
            default:
                writer.Declaration(type, "", 0, 0);
                break;
        }
        return writer.ToString();
    }

    private sealed class Writer(BtfSpec spec)
    {
        private readonly StringBuilder _out = new();

        public void Append(string text)
        {
            if (_out.Length + text.Length > MaxOutputChars)
                throw new BtfFormatException($"the C text of this type exceeds {MaxOutputChars} characters; the BTF nests anonymous types without end");
            _out.Append(text);
        }

        public override string ToString() => _out.ToString();

        /// <summary>Writes <c>type name</c> as a C declaration, building the declarator inside out.</summary>
        public void Declaration(BtfType type, string name, int indent, int depth)
        {
            var declarator = name;
            var steps = 0;
            while (true)
            {
                if (++steps > MaxDepth)
                    throw new BtfFormatException($"the declaration of '{name}' nests more than {MaxDepth} pointers, arrays or qualifiers (cyclic BTF?)");
                switch (type)
                {
                    case BtfPointer pointer:
                        declarator = "*" + declarator;
                        if (SkipQualifiers(pointer.Target, steps) is BtfArray or BtfFuncProto)
                            declarator = "(" + declarator + ")";
                        type = pointer.Target;
                        continue;
                    case BtfArray array:
                        declarator += $"[{array.Length.ToString(CultureInfo.InvariantCulture)}]";
                        type = array.ElementType;
                        continue;
                    case BtfFuncProto proto:
                        declarator += "(" + Parameters(proto, indent, depth) + ")";
                        type = proto.ReturnType;
                        continue;
                    case BtfQualifier qualifier when SkipQualifiers(qualifier, steps) is BtfPointer:
                        // A qualifier on a pointer reads after the star: "char * const p".
                        declarator = " " + QualifierText(qualifier.Kind) + (declarator.Length == 0 || declarator[0] == '*' ? "" : " ") + declarator;
                        type = qualifier.Target;
                        continue;
                    case BtfQualifier qualifier:
                        Append(QualifierText(qualifier.Kind) + " ");
                        type = qualifier.Target;
                        continue;
                    case BtfTypeTag tag:
                        type = tag.Target;
                        continue;
                    case BtfFunc func:
                        type = func.Prototype;
                        continue;
                    case BtfVar variable:
                        type = variable.Type;
                        continue;
                }
                break;
            }
            if ((type is BtfComposite or BtfEnum) && type.IsAnonymous)
                Body(type, indent, depth + 1);
            else
                Append(TypeName(type));
            if (declarator.Length > 0)
                Append(declarator[0] == ' ' ? declarator : " " + declarator);
        }

        /// <summary>Writes a struct, union or enum with its body, the closing brace at <paramref name="indent"/>.</summary>
        public void Body(BtfType type, int indent, int depth)
        {
            if (depth > MaxDepth)
                throw new BtfFormatException($"{type} nests anonymous types more than {MaxDepth} deep (it may contain itself)");
            if (type is BtfEnum e)
            {
                Append(e.IsAnonymous ? "enum {" : $"enum {e.Name} {{");
                foreach (var value in e.Values)
                {
                    var number = e.IsSigned ? value.Value.ToString(CultureInfo.InvariantCulture) : value.UnsignedValue.ToString(CultureInfo.InvariantCulture);
                    Append($"\n{Tabs(indent + 1)}{value.Name} = {number},");
                }
                Append($"\n{Tabs(indent)}}}");
                return;
            }
            var composite = (BtfComposite)type;
            var keyword = composite.IsUnion ? "union" : "struct";
            Append(composite.IsAnonymous ? $"{keyword} {{" : $"{keyword} {composite.Name} {{");
            long end = 0;
            var maxAlign = 1;
            foreach (var member in composite.Members)
            {
                var align = AlignOrZero(member.Type);
                maxAlign = Math.Max(maxAlign, align);
                if (!composite.IsUnion)
                    Padding(end, member.BitOffset, member.IsBitfield ? 0 : align, member.IsBitfield, indent + 1);
                Append($"\n{Tabs(indent + 1)}");
                Declaration(member.Type, member.Name, indent + 1, depth);
                if (member.IsBitfield)
                    Append($": {member.BitfieldSize.ToString(CultureInfo.InvariantCulture)}");
                Append(";");
                var bits = member.IsBitfield ? member.BitfieldSize : SizeOrZero(member.Type) * 8;
                end = Math.Max(end, member.BitOffset + bits);
            }
            var packed = !composite.IsUnion && maxAlign > 1 && AlignOrZero(composite) == 1;
            if (!composite.IsUnion)
                Padding(end, composite.Size * 8L, packed ? 1 : maxAlign, false, indent + 1);
            Append(composite.Members.Count == 0 ? "}" : $"\n{Tabs(indent)}}}");
            if (packed)
                Append(" __attribute__((packed))");
        }

        /// <summary>
        /// Fills the gap between the end of the previous member and the next offset with unnamed
        /// bitfields when the compiler would not leave that gap by itself (the next offset is past
        /// the natural alignment of what comes there).
        /// </summary>
        private void Padding(long from, long to, int nextAlign, bool nextIsBitfield, int indent)
        {
            if (to <= from)
                return;
            if (!nextIsBitfield && nextAlign > 0 && RoundUp(from, nextAlign * 8L) >= to)
                return;
            var guard = 0;
            while (from < to && guard++ < 1024)
            {
                var remaining = to - from;
                var (name, size) = PaddingTypes.FirstOrDefault(p => p.Bits <= remaining && (from % p.Bits == 0 || p.Bits <= 8), PaddingTypes[^1]);
                var misalignment = (int)(from % size);
                var bits = (int)Math.Min(misalignment == 0 ? size : size - misalignment, remaining);
                Append($"\n{Tabs(indent)}{name}: {bits.ToString(CultureInfo.InvariantCulture)};");
                from += bits;
            }
        }

        private string Parameters(BtfFuncProto proto, int indent, int depth)
        {
            if (proto.Parameters.Count == 0)
                return proto.IsVariadic ? "..." : "void";
            var parts = new List<string>();
            foreach (var parameter in proto.Parameters)
            {
                var nested = new Writer(spec);
                nested.Declaration(parameter.Type, parameter.Name, indent, depth + 1);
                parts.Add(nested.ToString());
            }
            if (proto.IsVariadic)
                parts.Add("...");
            return string.Join(", ", parts);
        }

        private BtfType SkipQualifiers(BtfType type, int steps)
        {
            while (type is BtfQualifier or BtfTypeTag)
            {
                if (++steps > MaxDepth)
                    throw new BtfFormatException($"{type} starts a qualifier chain longer than {MaxDepth} (cyclic BTF?)");
                type = spec.Types[type.ReferencedId];
            }
            return type;
        }

        private int AlignOrZero(BtfType type)
        {
            try
            {
                return spec.AlignOf(type);
            }
            catch (ArgumentException)
            {
                return 0;
            }
        }

        private long SizeOrZero(BtfType type)
        {
            try
            {
                return spec.SizeOf(type);
            }
            catch (ArgumentException)
            {
                return 0;
            }
        }

        private static string TypeName(BtfType type) => type switch
        {
            BtfVoid => "void",
            BtfComposite c => (c.IsUnion ? "union " : "struct ") + c.Name,
            BtfForward f => (f.IsUnion ? "union " : "struct ") + f.Name,
            BtfEnum e => "enum " + e.Name,
            _ => type.Name,
        };

        private static string QualifierText(BtfKind kind) => kind switch
        {
            BtfKind.Const => "const",
            BtfKind.Volatile => "volatile",
            _ => "restrict",
        };

        private static long RoundUp(long value, long multiple) => (value + multiple - 1) / multiple * multiple;

        private static string Tabs(int count) => new('\t', count);
    }
}
