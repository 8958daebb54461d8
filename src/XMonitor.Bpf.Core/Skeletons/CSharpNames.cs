using System.Text;

namespace XMonitor.Bpf.Skeletons;

/// <summary>Turns C identifiers into C# ones: <c>cpusched_event</c> → <c>CpuschedEvent</c>.</summary>
internal static class CSharpNames
{
    private static readonly HashSet<string> Keywords =
    [
        "abstract", "as", "base", "bool", "break", "byte", "case", "catch", "char", "checked", "class", "const",
        "continue", "decimal", "default", "delegate", "do", "double", "else", "enum", "event", "explicit", "extern",
        "false", "finally", "fixed", "float", "for", "foreach", "goto", "if", "implicit", "in", "int", "interface",
        "internal", "is", "lock", "long", "namespace", "new", "null", "object", "operator", "out", "override",
        "params", "private", "protected", "public", "readonly", "ref", "return", "sbyte", "sealed", "short",
        "sizeof", "stackalloc", "static", "string", "struct", "switch", "this", "throw", "true", "try", "typeof",
        "uint", "ulong", "unchecked", "unsafe", "ushort", "using", "virtual", "void", "volatile", "while",
    ];

    internal static string Pascal(string cName)
    {
        var sb = new StringBuilder(cName.Length);
        var upper = true;
        foreach (var c in cName)
        {
            if (c == '_' || c == '.' || c == '-')
            {
                upper = true;
                continue;
            }
            sb.Append(upper ? char.ToUpperInvariant(c) : c);
            upper = false;
        }
        if (sb.Length == 0 || !(char.IsLetter(sb[0]) || sb[0] == '_'))
            sb.Insert(0, '_');
        return sb.ToString();
    }

    /// <summary>A C name as a C# identifier, escaping keywords.</summary>
    internal static string Identifier(string cName) => Keywords.Contains(cName) ? "@" + cName : cName;

    /// <summary>A C string literal's content for C# source.</summary>
    internal static string Literal(string s) => "\"" + s.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"";
}
