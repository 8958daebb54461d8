using System.Buffers.Binary;
using Xunit;
using XMonitor.Bpf.Btf;
using XMonitor.Bpf.Elf;

namespace XMonitor.Bpf.Tests.Btf;

/// <summary>Split BTF (the format of kernel module BTF) built on the sample object's BTF as base.</summary>
public sealed class BtfSplitTests
{
    private static byte[] BaseBtf()
    {
        var data = SampleObject.Data;
        var section = BpfElfFile.Load(data).FindSection(".BTF")!;
        return data.AsSpan((int)section.Offset, (int)section.Size).ToArray();
    }

    private static (BtfSpec Base, byte[] Split, int Thing) Build()
    {
        var baseBytes = BaseBtf();
        var baseSpec = BtfSpec.Load(baseBytes);
        var key = baseSpec.FindType("sample_key", BtfKind.Struct).Id;
        var i32 = baseSpec.FindType("int", BtfKind.Int).Id;
        var comm = ((BtfComposite)baseSpec.FindType("sample_value", BtfKind.Struct)).Members[0].TypeId;
        var b = new BtfBuilder(baseSpec.Types.Count, (int)BinaryPrimitives.ReadUInt32LittleEndian(baseBytes.AsSpan(20)));
        var thing = b.Type(b.String("mod_thing"), 4, 3, 40, false,
            (uint)b.String("key"), (uint)key, 0,
            (uint)b.String("count"), (uint)i32, 128,
            // "comm" already exists in the base string section; split BTF may point there.
            (uint)FindBaseString(baseBytes, "comm"), (uint)comm, 160);
        b.Type(0, 2, 0, (uint)thing);
        b.Type(b.String("mod_thing_t"), 8, 0, (uint)thing);
        return (baseSpec, b.Build(), thing);
    }

    private static int FindBaseString(byte[] btf, string value)
    {
        var start = 24 + (int)BinaryPrimitives.ReadUInt32LittleEndian(btf.AsSpan(16));
        var strings = btf.AsSpan(start, (int)BinaryPrimitives.ReadUInt32LittleEndian(btf.AsSpan(20)));
        var needle = System.Text.Encoding.UTF8.GetBytes("\0" + value + "\0");
        return strings.IndexOf(needle) + 1;
    }

    [Fact]
    public void SplitTypesContinueTheBase()
    {
        var (baseSpec, split, thing) = Build();
        var spec = BtfSpec.Load(split, baseSpec);
        Assert.Same(baseSpec, spec.Base);
        Assert.Equal(baseSpec.Types.Count + 3, spec.Types.Count);
        Assert.Same(baseSpec.Types[1], spec.Types[1]);
        Assert.Same(spec, spec.Types[thing].Spec);

        var composite = Assert.IsType<BtfComposite>(spec.FindType("mod_thing"));
        Assert.Equal(thing, composite.Id);
        Assert.Equal(["key", "count", "comm"], composite.Members.Select(m => m.Name));
        Assert.Equal(40, spec.SizeOf(composite));
        Assert.Equal(8, spec.AlignOf(composite));
        Assert.Equal(8, spec.FindMemberOffset("mod_thing", "key.cgroup_id").ByteOffset);
        Assert.Equal(baseSpec.FindType("sample_value"), spec.FindType("sample_value"));
        Assert.Equal(8, spec.SizeOf(spec.FindType("__u64")));
        Assert.Equal("struct mod_thing {\n\tstruct sample_key key;\n\tint count;\n\tchar comm[16];\n};", BtfCFormatter.Format(composite));
        Assert.Equal("typedef struct mod_thing mod_thing_t;", BtfCFormatter.Format(spec.FindType("mod_thing_t")));
    }

    [Fact]
    public void SplitDumpMatchesBpftool()
    {
        var (baseSpec, split, _) = Build();
        var basePath = Path.Combine(Path.GetTempPath(), $"xmonitor-btf-base-{Environment.ProcessId}.btf");
        var splitPath = Path.Combine(Path.GetTempPath(), $"xmonitor-btf-split-{Environment.ProcessId}.btf");
        File.WriteAllBytes(basePath, BaseBtf());
        File.WriteAllBytes(splitPath, split);
        try
        {
            var expected = SampleObject.Run("bpftool", "-B", basePath, "btf", "dump", "file", splitPath);
            var spec = BtfSpec.Load(split, baseSpec);
            var actual = new System.Text.StringBuilder();
            for (var id = baseSpec.Types.Count; id < spec.Types.Count; id++)
                BtfRawDump.Append(actual, spec.Types[id]);
            Assert.Equal(expected, actual.ToString());

            var header = SampleObject.Run("bpftool", "-B", basePath, "btf", "dump", "file", splitPath, "format", "c");
            Assert.Contains("\n" + BtfCFormatter.Format(spec.FindType("mod_thing")) + "\n", header, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(basePath);
            File.Delete(splitPath);
        }
    }

    [Fact]
    public void MalformedSplitBtf()
    {
        var (baseSpec, split, thing) = Build();
        var e = Assert.Throws<BtfFormatException>(() => BtfSpec.Load(split, BtfSpec.Load(new BtfBuilder().Build())));
        Assert.Contains("refers to", e.Message, StringComparison.Ordinal);

        var badId = (byte[])split.Clone();
        var typesStart = 24;
        // The pointer record follows the struct (12 + 3 * 12 bytes); its target is its third word.
        BinaryPrimitives.WriteUInt32LittleEndian(badId.AsSpan(typesStart + 48 + 8), (uint)(thing + 10));
        Assert.Contains($"refers to type id {thing + 10}", Assert.Throws<BtfFormatException>(() => BtfSpec.Load(badId, baseSpec)).Message, StringComparison.Ordinal);

        Assert.Throws<ArgumentNullException>(() => BtfSpec.Load(split, null!));
        Assert.Throws<ArgumentException>(() => BtfSpec.LoadKernelModule("../etc", baseSpec));
        Assert.Throws<BpfNotSupportedException>(() => BtfSpec.LoadKernelModule("no_such_module_xyz", baseSpec));
    }
}
