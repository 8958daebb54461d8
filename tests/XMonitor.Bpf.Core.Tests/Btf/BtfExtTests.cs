using System.Buffers.Binary;
using Xunit;
using XMonitor.Bpf.Btf;
using XMonitor.Bpf.Elf;

namespace XMonitor.Bpf.Tests.Btf;

public sealed class BtfExtTests
{
    private const string SwitchSection = "tp_btf/sched_switch";
    private const string ExecSection = "tp/sched/sched_process_exec";

    [Fact]
    public void FuncInfoNamesEachProgram()
    {
        var elf = BpfElfFile.Load(SampleObject.Data);
        var ext = elf.BtfExt!;
        Assert.Equal([(SwitchSection, 0u, "handle_switch"), (ExecSection, 0u, "handle_exec"), (".text", 0u, "scale")],
            ext.FuncInfos.Select(f => (f.Section, f.InstructionOffset, elf.Btf!.Types[f.TypeId].Name)));
        Assert.All(ext.FuncInfos, f => Assert.IsType<BtfFunc>(elf.Btf!.Types[f.TypeId]));
    }

    [Fact]
    public void LineInfoPointsAtTheSource()
    {
        var elf = BpfElfFile.Load(SampleObject.Data);
        var lines = elf.BtfExt!.LineInfos;
        Assert.NotEmpty(lines);
        Assert.Equal([SwitchSection, ExecSection, ".text"], lines.Select(l => l.Section).Distinct());
        foreach (var program in elf.Programs)
        {
            var own = lines.Where(l => l.Section == program.SectionName).ToList();
            Assert.Equal(0u, own[0].InstructionOffset);
            Assert.All(own, l => Assert.InRange(l.InstructionIndex, 0u, (uint)program.InstructionCount - 1));
            Assert.Equal(own.Select(l => l.InstructionOffset).Order(), own.Select(l => l.InstructionOffset));
        }
        Assert.All(lines, l => Assert.EndsWith("btf_sample.bpf.c", l.FileName, StringComparison.Ordinal));
        Assert.Contains(lines, l => l.LineText.Contains("BPF_CORE_READ(next, pid)", StringComparison.Ordinal) && l.Column > 0);

        // The recorded text must be the text of the recorded line in the source file itself.
        var source = lines[0].FileName;
        if (!File.Exists(source))
            Assert.Skip($"the source {source} is not on this machine");
        var text = File.ReadAllLines(source);
        // Line 0 marks compiler-made instructions that belong to no source line.
        Assert.All(lines.Where(l => l.Line > 0), l => Assert.Equal(text[l.Line - 1], l.LineText));
        Assert.All(lines.Where(l => l.Line == 0), l => Assert.Equal("", l.LineText));
    }

    [Fact]
    public void CoreRelocationsResolveToTheFieldsRead()
    {
        var elf = BpfElfFile.Load(SampleObject.Data);
        var btf = elf.Btf!;
        var relocations = elf.BtfExt!.CoreRelocations;
        Assert.All(relocations, r => Assert.Equal(SwitchSection, r.Section));
        Assert.All(relocations, r => Assert.Equal(BtfCoreRelocationKind.FieldByteOffset, r.Kind));

        var fields = relocations.Select(r => (Root: btf.Types[r.TypeId].Name, Field: FieldOf(btf, r))).Distinct().ToList();
        Assert.Contains(("task_struct", "pid"), fields);
        Assert.Contains(("task_struct", "comm"), fields);
        var program = elf.Programs.Single(p => p.SectionName == SwitchSection);
        Assert.All(relocations, r => Assert.InRange(r.InstructionIndex, 0u, (uint)program.InstructionCount - 1));
    }

    /// <summary>Follows an access string like <c>0:12</c> (member indexes after the first array index) to the member name.</summary>
    private static string FieldOf(BtfSpec btf, BtfCoreRelocation relocation)
    {
        var type = btf.Types[relocation.TypeId];
        var name = "";
        foreach (var index in relocation.AccessString.Split(':').Skip(1).Select(int.Parse))
        {
            var composite = Assert.IsType<BtfComposite>(btf.Resolve(type));
            var member = composite.Members[index];
            name = member.Name;
            type = member.Type;
        }
        return name;
    }

    [Fact]
    public void MalformedExtThrowsFormatExceptions()
    {
        var elf = BpfElfFile.Load(SampleObject.Data);
        var section = elf.FindSection(".BTF.ext")!;
        var original = SampleObject.Data.AsSpan((int)section.Offset, (int)section.Size).ToArray();
        var btf = elf.Btf!;

        Assert.Contains("shorter", Assert.Throws<BtfFormatException>(() => BtfExt.Load(original[..10], btf)).Message, StringComparison.Ordinal);
        var magic = (byte[])original.Clone();
        magic[1] = 0;
        Assert.Contains("magic", Assert.Throws<BtfFormatException>(() => BtfExt.Load(magic, btf)).Message, StringComparison.Ordinal);
        var lying = (byte[])original.Clone();
        BinaryPrimitives.WriteUInt32LittleEndian(lying.AsSpan(20), 0x7fff_ffff);
        Assert.Contains("line_info", Assert.Throws<BtfFormatException>(() => BtfExt.Load(lying, btf)).Message, StringComparison.Ordinal);
        Assert.Throws<BtfFormatException>(() => BtfExt.Load(original[..(original.Length - 6)], btf));

        var random = new Random(Fuzz.Seed(7));
        var iterations = Fuzz.Iterations(3000);
        for (var iteration = 0; iteration < iterations; iteration++)
        {
            var data = (byte[])original.Clone();
            for (var i = random.Next(1, 6); i > 0; i--)
                data[random.Next(data.Length)] = (byte)random.Next(256);
            try
            {
                BtfExt.Load(data, btf);
            }
            catch (BtfFormatException)
            {
            }
        }
    }
}
