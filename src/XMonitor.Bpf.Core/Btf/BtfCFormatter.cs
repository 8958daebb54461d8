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
    /// <summary>
    /// Formats <paramref name="type"/>: a full definition ending in <c>;</c> for structs, unions,
    /// enums, typedefs, functions and variables, and the plain type name (<c>unsigned int</c>,
    /// <c>char *</c>) for every other kind.
    /// </summary>
    /// <exception cref="BtfFormatException">The type nests without end (malformed BTF).</exception>
    public static string Format(BtfType type)
    {
        ArgumentNullException.ThrowIfNull(type);
        var writer = new BtfCWriter(type.Spec);
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
}
