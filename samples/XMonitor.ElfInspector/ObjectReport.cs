using System.Globalization;
using System.Text;
using System.Text.Json;
using XMonitor.Bpf;
using XMonitor.Bpf.Btf;
using XMonitor.Bpf.Elf;

namespace XMonitor.ElfInspector;

/// <summary>What the inspector prints about one object, as text or JSON.</summary>
internal sealed record ObjectReport(
    string File,
    string? License,
    IReadOnlyList<ObjectReport.Section> Sections,
    IReadOnlyList<ObjectReport.Program> Programs,
    IReadOnlyList<ObjectReport.Map> Maps,
    IReadOnlyList<ObjectReport.Global> Globals,
    int BtfTypes,
    IReadOnlyList<ObjectReport.Relocation> CoreRelocations,
    IReadOnlyList<ObjectReport.Line> LineInfo)
{
    internal sealed record Section(int Index, string Name, string Type, long Size, string Flags);
    internal sealed record Program(string Name, string Section, string AttachKind, string AttachTarget, int Instructions, bool Global);
    internal sealed record Map(string Name, string Type, uint KeySize, uint ValueSize, uint MaxEntries, uint Flags, uint Pinning, string? KeyType, string? ValueType);
    internal sealed record Global(string Name, string Section, long Offset, long Size, string? Type, string InitialValue);
    internal sealed record Relocation(string Section, uint Instruction, string Kind, string Access, string Touches);
    internal sealed record Line(string Section, uint Instruction, string File, int LineNumber, int Column, string Text);

    private static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    public static ObjectReport Build(string file, BpfElfFile elf)
    {
        var btf = elf.Btf;
        return new ObjectReport(
            file,
            elf.License,
            elf.Sections.Select(s => new Section(s.Index, s.Name, s.Type.ToString(), s.Size, s.Flags.ToString())).ToArray(),
            elf.Programs.Select(p => new Program(p.Name, p.SectionName, p.IsSubprogram ? "subprogram" : p.AttachKind.ToString(), p.AttachTarget, p.InstructionCount, p.IsGlobal)).ToArray(),
            elf.Maps.Select(m => new Map(m.Name, ((BpfMapType)m.Type).ToString(), m.KeySize, m.ValueSize, m.MaxEntries, m.Flags, m.Pinning,
                m.KeyType is null ? null : TypeName(m.KeyType), m.ValueType is null ? null : TypeName(m.ValueType))).ToArray(),
            elf.Variables.Select(v => new Global(v.Name, v.SectionName, v.Offset, v.Size, v.Type is null ? null : TypeName(v.Type), Convert.ToHexString(v.InitialValue.Span))).ToArray(),
            btf?.Types.Count ?? 0,
            btf is null || elf.BtfExt is null ? [] : elf.BtfExt.CoreRelocations.Select(r => new Relocation(r.Section, r.InstructionIndex, r.Kind.ToString(), r.AccessString, BtfAccessPath.Describe(btf, r))).ToArray(),
            elf.BtfExt is null ? [] : elf.BtfExt.LineInfos.Select(l => new Line(l.Section, l.InstructionIndex, l.FileName, l.Line, l.Column, l.LineText)).ToArray());
    }

    public string ToJson() => JsonSerializer.Serialize(this, JsonOptions) + Environment.NewLine;

    public string ToText(bool withLines)
    {
        var sb = new StringBuilder();
        var inv = CultureInfo.InvariantCulture;
        sb.AppendLine(inv, $"{File}: license {License ?? "(none)"}, {BtfTypes} BTF types");
        sb.AppendLine();
        sb.AppendLine("Sections:");
        foreach (var s in Sections)
            sb.AppendLine(inv, $"  [{s.Index,2}] {s.Name,-28} {s.Type,-10} {s.Size,8}  {s.Flags}");
        sb.AppendLine();
        sb.AppendLine("Programs:");
        foreach (var p in Programs)
            sb.AppendLine(inv, $"  {p.Name,-32} {p.Section,-36} {p.AttachKind,-16} {p.Instructions,6} insns");
        sb.AppendLine();
        sb.AppendLine("Maps:");
        foreach (var m in Maps)
            sb.AppendLine(inv, $"  {m.Name,-20} {m.Type,-14} key {m.KeySize,3} ({m.KeyType ?? "-"}) value {m.ValueSize,5} ({m.ValueType ?? "-"}) max {m.MaxEntries} flags 0x{m.Flags:x} pinning {m.Pinning}");
        sb.AppendLine();
        sb.AppendLine("Globals:");
        foreach (var g in Globals)
            sb.AppendLine(inv, $"  {g.Section + "+" + g.Offset,-14} {g.Name,-24} {g.Size,4} bytes  {g.Type ?? "-",-28} = {Abbreviate(g.InitialValue)}");
        sb.AppendLine();
        sb.AppendLine(inv, $"CO-RE relocations ({CoreRelocations.Count}):");
        foreach (var r in CoreRelocations)
            sb.AppendLine(inv, $"  {r.Section,-28} insn {r.Instruction,5}  {r.Kind,-18} {r.Touches} ({r.Access})");
        if (withLines)
        {
            sb.AppendLine();
            sb.AppendLine(inv, $"Line info ({LineInfo.Count}):");
            foreach (var l in LineInfo)
                sb.AppendLine(inv, $"  {l.Section,-28} insn {l.Instruction,5}  {Path.GetFileName(l.File)}:{l.LineNumber}:{l.Column}  {l.Text.Trim()}");
        }
        return sb.ToString();
    }

    private static string TypeName(BtfType type)
    {
        var text = BtfCFormatter.Format(type);
        var brace = text.IndexOf('{');
        return (brace > 0 ? text[..brace] : text).Trim().TrimEnd(';');
    }

    private static string Abbreviate(string hex) => hex.Length <= 32 ? hex : hex[..32] + "...";
}
