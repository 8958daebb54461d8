using System.Globalization;
using System.Text;
using XMonitor.Bpf.Btf;

namespace XMonitor.Bpf.Tests.Btf;

/// <summary>
/// Prints types from the managed model in the exact text format of <c>bpftool btf dump file X</c>,
/// so whole dumps can be compared line by line with bpftool's.
/// </summary>
internal static class BtfRawDump
{
    public static string Dump(BtfSpec spec)
    {
        var sb = new StringBuilder();
        for (var id = 1; id < spec.Types.Count; id++)
            Append(sb, spec.Types[id]);
        return sb.ToString();
    }

    public static void Append(StringBuilder sb, BtfType type)
    {
        var ic = CultureInfo.InvariantCulture;
        var name = type.IsAnonymous ? "(anon)" : type.Name;
        sb.Append(ic, $"[{type.Id}] {KindName(type.Kind)} '{name}'");
        switch (type)
        {
            case BtfInt i:
                sb.Append(ic, $" size={i.Size} bits_offset={i.BitOffset} nr_bits={i.Bits} encoding={IntEncoding(i.Encoding)}\n");
                break;
            case BtfPointer p:
                sb.Append(ic, $" type_id={p.TargetId}\n");
                break;
            case BtfArray a:
                sb.Append(ic, $" type_id={a.ElementTypeId} index_type_id={a.IndexTypeId} nr_elems={a.Length}\n");
                break;
            case BtfComposite c:
                sb.Append(ic, $" size={c.Size} vlen={c.Members.Count}\n");
                foreach (var m in c.Members)
                {
                    sb.Append(ic, $"\t'{(m.Name.Length == 0 ? "(anon)" : m.Name)}' type_id={m.TypeId} bits_offset={m.BitOffset}");
                    sb.Append(m.IsBitfield ? string.Create(ic, $" bitfield_size={m.BitfieldSize}\n") : "\n");
                }
                break;
            case BtfEnum e:
                sb.Append(ic, $" encoding={(e.IsSigned ? "SIGNED" : "UNSIGNED")} size={e.Size} vlen={e.Values.Count}\n");
                foreach (var v in e.Values)
                {
                    var value = e.IsSigned ? v.Value.ToString(ic) : v.UnsignedValue.ToString(ic);
                    var suffix = e.Kind == BtfKind.Enum64 ? (e.IsSigned ? "LL" : "ULL") : "";
                    sb.Append(ic, $"\t'{v.Name}' val={value}{suffix}\n");
                }
                break;
            case BtfForward f:
                sb.Append(f.IsUnion ? " fwd_kind=union\n" : " fwd_kind=struct\n");
                break;
            case BtfTypedef t:
                sb.Append(ic, $" type_id={t.TargetId}\n");
                break;
            case BtfQualifier q:
                sb.Append(ic, $" type_id={q.TargetId}\n");
                break;
            case BtfTypeTag t:
                sb.Append(ic, $" type_id={t.TargetId}\n");
                break;
            case BtfFunc f:
                sb.Append(ic, $" type_id={f.PrototypeId} linkage={Linkage(f.Linkage)}\n");
                break;
            case BtfFuncProto p:
                sb.Append(ic, $" ret_type_id={p.ReturnTypeId} vlen={p.Parameters.Count + (p.IsVariadic ? 1 : 0)}\n");
                foreach (var parameter in p.Parameters)
                    sb.Append(ic, $"\t'{(parameter.Name.Length == 0 ? "(anon)" : parameter.Name)}' type_id={parameter.TypeId}\n");
                if (p.IsVariadic)
                    sb.Append("\t'(anon)' type_id=0\n");
                break;
            case BtfVar v:
                sb.Append(ic, $" type_id={v.TypeId}, linkage={Linkage(v.Linkage)}\n");
                break;
            case BtfDataSec d:
                sb.Append(ic, $" size={d.Size} vlen={d.Variables.Count}\n");
                foreach (var info in d.Variables)
                    sb.Append(ic, $"\ttype_id={info.TypeId} offset={info.Offset} size={info.Size} ({KindName(info.Type.Kind)} '{info.Type.Name}')\n");
                break;
            case BtfFloat f:
                sb.Append(ic, $" size={f.Size}\n");
                break;
            case BtfDeclTag t:
                sb.Append(ic, $" type_id={t.TargetId} component_idx={t.ComponentIndex}\n");
                break;
        }
    }

    private static string KindName(BtfKind kind) => kind switch
    {
        BtfKind.Int => "INT",
        BtfKind.Pointer => "PTR",
        BtfKind.Array => "ARRAY",
        BtfKind.Struct => "STRUCT",
        BtfKind.Union => "UNION",
        BtfKind.Enum => "ENUM",
        BtfKind.Forward => "FWD",
        BtfKind.Typedef => "TYPEDEF",
        BtfKind.Volatile => "VOLATILE",
        BtfKind.Const => "CONST",
        BtfKind.Restrict => "RESTRICT",
        BtfKind.Func => "FUNC",
        BtfKind.FuncProto => "FUNC_PROTO",
        BtfKind.Var => "VAR",
        BtfKind.DataSec => "DATASEC",
        BtfKind.Float => "FLOAT",
        BtfKind.DeclTag => "DECL_TAG",
        BtfKind.TypeTag => "TYPE_TAG",
        BtfKind.Enum64 => "ENUM64",
        _ => "UNKN",
    };

    private static string IntEncoding(BtfIntEncoding encoding) => encoding switch
    {
        BtfIntEncoding.None => "(none)",
        BtfIntEncoding.Signed => "SIGNED",
        BtfIntEncoding.Char => "CHAR",
        BtfIntEncoding.Bool => "BOOL",
        _ => "UNKN",
    };

    private static string Linkage(BtfLinkage linkage) => linkage switch
    {
        BtfLinkage.Static => "static",
        BtfLinkage.Global => "global",
        BtfLinkage.Extern => "extern",
        _ => "(unknown)",
    };
}
