using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;

namespace XMonitor.Bpf.Btf;

/// <summary>Builds the C text for <see cref="BtfCFormatter"/>.</summary>
internal sealed class BtfCWriter
{
    // Bounds inline nesting and declarator chains: real types stay far below, and hostile BTF
    // (self-containing anonymous structs, pointer cycles) must not recurse without end.
    private const int MaxDepth = 64;

    // Bounds the output on hostile BTF where anonymous members repeat a large nested type;
    // real definitions stay far below (task_struct prints in some 8 KB).
    private const int MaxOutputChars = 1024 * 1024;

    private static readonly (string Name, int Bits)[] PaddingTypes = [("long", 64), ("int", 32), ("short", 16), ("char", 8)];

    private readonly BtfSpec _spec;
    private readonly StringBuilder _out = new();

    // Shared with the writers of nested parameter lists so the bound covers the whole output.
    private readonly StrongBox<int> _charsLeft;

    public BtfCWriter(BtfSpec spec) : this(spec, new StrongBox<int>(MaxOutputChars))
    {
    }

    private BtfCWriter(BtfSpec spec, StrongBox<int> charsLeft)
    {
        _spec = spec;
        _charsLeft = charsLeft;
    }

    public void Append(string text)
    {
        _charsLeft.Value -= text.Length;
        if (_charsLeft.Value < 0)
            throw new BtfFormatException($"the C text of this type exceeds {MaxOutputChars} characters; the BTF nests anonymous types without end");
        _out.Append(text);
    }

    public override string ToString() => _out.ToString();

    /// <summary>
    /// Writes <c>type name</c> as a C declaration. The type chain is collected outside in
    /// (pointers, qualifiers, arrays, function prototypes down to the base type), the base is
    /// written first and the chain unwinds around the name: C's inside-out declarator syntax.
    /// </summary>
    public void Declaration(BtfType type, string name, int indent, int depth)
    {
        if (depth > MaxDepth)
            throw new BtfFormatException($"the declaration of '{name}' nests more than {MaxDepth} types deep (cyclic BTF?)");
        // Hostile BTF can make declarations whose text is empty (nameless types) recurse through
        // parameter lists exponentially; charging each one keeps the total work bounded.
        _charsLeft.Value -= 8;
        Append(string.Empty);
        var chain = new List<BtfType>();
        var steps = 0;
        while (type is BtfPointer or BtfQualifier or BtfTypeTag or BtfArray or BtfFuncProto or BtfFunc or BtfVar)
        {
            if (++steps > MaxDepth)
                throw new BtfFormatException($"the declaration of '{name}' chains more than {MaxDepth} pointers, arrays or qualifiers (cyclic BTF?)");
            switch (type)
            {
                case BtfArray array:
                    // Qualifiers on an array type are meaningless (GCC emits them when the
                    // element is qualified); the element's own qualifiers are printed instead.
                    while (chain.Count > 0 && chain[^1] is BtfQualifier)
                        chain.RemoveAt(chain.Count - 1);
                    chain.Add(array);
                    type = array.ElementType;
                    break;
                case BtfFuncProto proto:
                    chain.Add(proto);
                    type = proto.ReturnType;
                    break;
                case BtfFunc or BtfVar:
                    type = _spec.Types[type.ReferencedId];
                    break;
                default:
                    chain.Add(type);
                    type = _spec.Types[type.ReferencedId];
                    break;
            }
        }

        // Qualifiers directly on the base type read before it: "const char", not "char const".
        var prefixStart = chain.Count;
        while (prefixStart > 0 && chain[prefixStart - 1] is BtfQualifier)
            prefixStart--;
        for (var i = prefixStart; i < chain.Count; i++)
            Append(QualifierText(chain[i].Kind) + " ");

        if ((type is BtfComposite or BtfEnum) && type.IsAnonymous)
            Body(type, indent, depth + 1);
        else
            Append(TypeName(type));
        Append(Declarator(chain, prefixStart, name, false, indent, depth));
    }

    /// <summary>
    /// Renders <c>chain[0..end)</c> (outermost first) around <paramref name="name"/>, innermost
    /// element first. Arrays and prototypes with more chain outside them put that part in
    /// parentheses, as in <c>(*handler)(int)</c> and <c>(*rows)[4]</c>.
    /// </summary>
    private string Declarator(List<BtfType> chain, int end, string name, bool afterParen, int indent, int depth)
    {
        var text = new StringBuilder();
        var noSpace = afterParen;
        for (var i = end - 1; i >= 0; i--)
        {
            switch (chain[i])
            {
                case BtfPointer:
                    text.Append(noSpace ? "*" : " *");
                    noSpace = true;
                    break;
                case BtfQualifier qualifier:
                    text.Append(' ').Append(QualifierText(qualifier.Kind));
                    noSpace = false;
                    break;
                case BtfTypeTag tag:
                    text.Append(CultureInfo.InvariantCulture, $" __attribute__((btf_type_tag(\"{tag.Name}\")))");
                    noSpace = false;
                    break;
                case BtfArray array:
                    if (i > 0 && chain[i - 1] is not BtfArray)
                        text.Append(" (").Append(Declarator(chain, i, name, true, indent, depth)).Append(')');
                    else if (i > 0)
                        text.Append(Declarator(chain, i, name, noSpace, indent, depth));
                    else
                        text.Append(Name(name, noSpace));
                    text.Append('[').Append(array.Length.ToString(CultureInfo.InvariantCulture)).Append(']');
                    return text.ToString();
                case BtfFuncProto proto:
                    if (i > 0)
                        text.Append(" (").Append(Declarator(chain, i, name, true, indent, depth)).Append(')');
                    else
                        text.Append(name.Length == 0 && !noSpace ? " " : Name(name, noSpace));
                    text.Append('(').Append(Parameters(proto, indent, depth)).Append(')');
                    return text.ToString();
            }
        }
        return text.Append(Name(name, noSpace)).ToString();
    }

    private static string Name(string name, bool noSpace) => name.Length == 0 || noSpace ? name : " " + name;

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
                var suffix = e.Kind != BtfKind.Enum64 ? "" : e.IsSigned ? "LL" : "ULL";
                Append($"\n{Tabs(indent + 1)}{value.Name} = {number}{suffix},");
            }
            Append($"\n{Tabs(indent)}}}");
            return;
        }
        var composite = (BtfComposite)type;
        var keyword = composite.IsUnion ? "union" : "struct";
        Append(composite.IsAnonymous ? $"{keyword} {{" : $"{keyword} {composite.Name} {{");
        var ownAlign = AlignOrZero(composite);
        var packed = !composite.IsUnion && ownAlign == 1 && composite.Members.Any(m => AlignOrZero(m.Type) > 1);
        long end = 0;
        var previousIsBitfield = false;
        foreach (var member in composite.Members)
        {
            // In a packed struct the compiler aligns nothing, so every gap needs explicit padding.
            var align = packed ? 1 : AlignOrZero(member.Type);
            Padding(end, member.BitOffset, align, previousIsBitfield && member.IsBitfield, indent + 1);
            Append($"\n{Tabs(indent + 1)}");
            Declaration(member.Type, member.Name, indent + 1, depth);
            if (member.IsBitfield)
                Append($": {member.BitfieldSize.ToString(CultureInfo.InvariantCulture)}");
            Append(";");
            end = member.BitOffset + (member.IsBitfield ? member.BitfieldSize : SizeOrZero(member.Type) * 8);
            previousIsBitfield = member.IsBitfield;
        }
        if (!composite.IsUnion)
            Padding(end, composite.Size * 8L, ownAlign, false, indent + 1);
        // bpftool closes a body with nothing in it on the same line unless the type has a size.
        Append(composite.Members.Count == 0 && composite.Size == 0 ? "}" : $"\n{Tabs(indent)}}}");
        if (packed)
            Append(" __attribute__((packed))");
    }

    /// <summary>
    /// Fills the gap between the end of the previous member (<paramref name="from"/>, in bits)
    /// and the next offset with unnamed bitfields, the way bpftool does: the widest filler type
    /// whose natural alignment does not overshoot the gap is chosen, the compiler's own
    /// alignment is relied on where it lands exactly on the next offset, and the rest is filled
    /// with full-width fillers plus one narrower remainder.
    /// </summary>
    private void Padding(long from, long to, int nextAlign, bool inBitfield, int indent)
    {
        if (from >= to)
            return;
        var (name, bits) = PaddingTypes.FirstOrDefault(p => RoundUp(from, p.Bits) <= to, PaddingTypes[^1]);
        var aligned = RoundUp(from, bits);
        if (aligned > from && aligned <= to)
        {
            // An explicit "type: 0" is needed when the compiler would not align there by
            // itself: inside a bitfield run (then the exact bit count is given), when the next
            // member is less aligned than the filler, or when a following "type: N" would fit
            // into the hole and be swallowed.
            var alignsByItself = RoundUp(from, Math.Max(nextAlign, 1) * 8L) == aligned;
            if (inBitfield || (aligned == to && !alignsByItself) || (aligned != to && to - aligned <= aligned - from))
                Filler(name, inBitfield ? aligned - from : 0, indent);
            from = aligned;
        }
        while (from < to)
        {
            var chunk = Math.Min(to - from, bits);
            var filler = chunk == bits ? name : PaddingTypes.Last(p => p.Bits >= chunk).Name;
            Filler(filler, chunk, indent);
            from += chunk;
        }
    }

    private void Filler(string type, long bits, int indent)
        => Append($"\n{Tabs(indent)}{type}: {bits.ToString(CultureInfo.InvariantCulture)};");

    private string Parameters(BtfFuncProto proto, int indent, int depth)
    {
        if (proto.Parameters.Count == 0)
            return proto.IsVariadic ? "..." : "void";
        var parts = new List<string>();
        foreach (var parameter in proto.Parameters)
        {
            var nested = new BtfCWriter(_spec, _charsLeft);
            nested.Declaration(parameter.Type, parameter.Name, indent, depth + 1);
            parts.Add(nested.ToString());
        }
        if (proto.IsVariadic)
            parts.Add("...");
        return string.Join(", ", parts);
    }

    private int AlignOrZero(BtfType type)
    {
        try
        {
            return _spec.AlignOf(type);
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
            return _spec.SizeOf(type);
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
