using System.Buffers.Binary;
using Xunit;
using XMonitor.Bpf.Btf;
using XMonitor.Bpf.Elf;

namespace XMonitor.Bpf.Tests.Btf;

public sealed class BtfMalformedTests
{
    private const int KindInt = 1, KindPtr = 2, KindArray = 3, KindStruct = 4, KindTypedef = 8, KindConst = 10, KindFuncProto = 13;

    private static byte[] SampleBtf()
    {
        var elf = BpfElfFile.Load(SampleObject.Data);
        var section = elf.FindSection(".BTF")!;
        return SampleObject.Data.AsSpan((int)section.Offset, (int)section.Size).ToArray();
    }

    private static BtfFormatException Rejects(byte[] data, string fragment)
    {
        var e = Assert.Throws<BtfFormatException>(() => BtfSpec.Load(data));
        Assert.Contains(fragment, e.Message, StringComparison.Ordinal);
        return e;
    }

    [Fact]
    public void HeaderDefects()
    {
        Rejects([], "shorter than its 24-byte header");
        var data = SampleBtf();
        Rejects(data[..10], "shorter than its 24-byte header");

        var badMagic = SampleBtf();
        badMagic[0] = 0x12;
        Assert.Equal(0, Rejects(badMagic, "bad BTF magic").Offset);

        var bigEndian = SampleBtf();
        BinaryPrimitives.WriteUInt16BigEndian(bigEndian, 0xEB9F);
        Rejects(bigEndian, "big-endian");

        var version = SampleBtf();
        version[2] = 2;
        Assert.Equal(2, Rejects(version, "unsupported BTF version 2").Offset);

        var headerLength = SampleBtf();
        BinaryPrimitives.WriteUInt32LittleEndian(headerLength.AsSpan(4), 0x7fff_0000);
        Rejects(headerLength, "header length");
    }

    [Fact]
    public void LengthsThatPointOutside()
    {
        var types = SampleBtf();
        BinaryPrimitives.WriteUInt32LittleEndian(types.AsSpan(12), 0xffff_fff0);
        Assert.Equal(8, Rejects(types, "type section").Offset);

        var strings = SampleBtf();
        BinaryPrimitives.WriteUInt32LittleEndian(strings.AsSpan(20), (uint)strings.Length);
        Rejects(strings, "string section");

        var truncatedFile = SampleBtf();
        Rejects(truncatedFile[..(truncatedFile.Length - 100)], "string section");

        var unaligned = SampleBtf();
        BinaryPrimitives.WriteUInt32LittleEndian(unaligned.AsSpan(8), 2);
        Rejects(unaligned, "not 4-byte aligned");
    }

    [Fact]
    public void TruncatedRecords()
    {
        // Cutting the type section inside the last record (a struct with members) must name it.
        var b = new BtfBuilder();
        var u32 = b.Int("unsigned int", 4);
        b.Type(b.String("pair"), KindStruct, 2, 8, false, (uint)b.String("a"), (uint)u32, 0, (uint)b.String("b"), (uint)u32, 32);
        var data = b.Build();
        BtfSpec.Load(data);
        var typeLength = BinaryPrimitives.ReadUInt32LittleEndian(data.AsSpan(12));
        BinaryPrimitives.WriteUInt32LittleEndian(data.AsSpan(12), typeLength - 8);
        var e = Rejects(data, "type 2 (Struct, vlen 2) is truncated");
        Assert.Equal(24 + 16, e.Offset);

        var half = new BtfBuilder();
        half.Int("int", 4);
        var bytes = half.Build();
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(12), 8);
        Rejects(bytes, "truncated");
    }

    [Fact]
    public void BadReferences()
    {
        var b = new BtfBuilder();
        b.Int("int", 4);
        b.Type(0, KindPtr, 0, 77);
        Assert.Equal(24 + 16 + 8, Rejects(b.Build(), "refers to type id 77, but the last type id is 2").Offset);

        var name = new BtfBuilder();
        name.Type(100_000, KindInt, 0, 4, false, 32);
        Rejects(name.Build(), "name offset 100000");

        var kind = new BtfBuilder();
        kind.Type(0, 25, 0, 4);
        Rejects(kind.Build(), "unknown kind 25");

        var member = new BtfBuilder();
        member.Type(0, KindStruct, 1, 4, false, 0, 9, 0);
        Rejects(member.Build(), "refers to type id 9");

        var strings = new BtfBuilder();
        strings.Int("int", 4);
        var data = strings.Build();
        data[^1] = (byte)'x';
        Rejects(data, "does not end with NUL");
    }

    [Fact]
    public void CyclesAreBoundedWhenResolving()
    {
        var b = new BtfBuilder();
        var first = b.Type(b.String("a_t"), KindTypedef, 0, 2);
        b.Type(b.String("b_t"), KindConst, 0, 1);
        var spec = BtfSpec.Load(b.Build());
        var a = spec.Types[first];
        Assert.Contains("cyclic", Assert.Throws<BtfFormatException>(() => spec.Resolve(a)).Message, StringComparison.Ordinal);
        Assert.Throws<BtfFormatException>(() => spec.SizeOf(a));
        Assert.Throws<BtfFormatException>(() => spec.AlignOf(a));

        // A struct that contains itself, and an anonymous one that does.
        var s = new BtfBuilder();
        var self = s.Type(s.String("self"), KindStruct, 1, 8, false, (uint)s.String("me"), 1, 0);
        s.Type(0, KindStruct, 1, 8, false, 0, 2, 0);
        var selfSpec = BtfSpec.Load(s.Build());
        Assert.Throws<BtfFormatException>(() => selfSpec.AlignOf(selfSpec.Types[self]));
        Assert.Throws<BtfFormatException>(() => BtfCFormatter.Format(selfSpec.Types[self]));
        Assert.Throws<BtfFormatException>(() => BtfCFormatter.Format(selfSpec.Types[2]));
        Assert.Throws<BtfFormatException>(() => selfSpec.TryGetMember(selfSpec.Types[2], "x", out _));

        // Pointer and prototype cycles.
        var p = new BtfBuilder();
        p.Type(0, KindPtr, 0, 2);
        p.Type(0, KindPtr, 0, 1);
        p.Type(0, KindFuncProto, 2, 4, false, 0, 4, 0, 4);
        p.Type(0, KindPtr, 0, 3);
        var pSpec = BtfSpec.Load(p.Build());
        Assert.Equal(8, pSpec.SizeOf(pSpec.Types[1]));
        Assert.Throws<BtfFormatException>(() => BtfCFormatter.Format(pSpec.Types[1]));
        Assert.Throws<BtfFormatException>(() => BtfCFormatter.Format(pSpec.Types[3]));

        // Variables and functions that name themselves as their type.
        var v = new BtfBuilder();
        v.Type(v.String("loop"), 14, 0, 1, false, 1);
        v.Type(v.String("fn"), 12, 1, 2);
        var vSpec = BtfSpec.Load(v.Build());
        Assert.Throws<BtfFormatException>(() => BtfCFormatter.Format(vSpec.Types[1]));
        Assert.Throws<BtfFormatException>(() => BtfCFormatter.Format(vSpec.Types[2]));
        Assert.Throws<BtfFormatException>(() => vSpec.SizeOf(vSpec.Types[1]));

        var huge = new BtfBuilder();
        var i32 = huge.Int("int", 4);
        var inner = huge.Type(0, KindArray, 0, 0, false, (uint)i32, (uint)i32, 0xffff_ffff);
        var outer = huge.Type(0, KindArray, 0, 0, false, (uint)inner, (uint)i32, 0xffff_ffff);
        var hugeSpec = BtfSpec.Load(huge.Build());
        Assert.Throws<BtfFormatException>(() => hugeSpec.SizeOf(hugeSpec.Types[outer]));
    }

    [Fact]
    public void EveryKindFromHandWrittenBtf()
    {
        var b = new BtfBuilder();
        var i32 = b.Int("int", 4);
        var f64 = b.Type(b.String("double"), 16, 0, 8);
        var e64 = b.Type(b.String("big"), 19, 1, 8, true, (uint)b.String("NEG"), 0xffff_fffe, 0xffff_ffff);
        var tag = b.Type(b.String("user"), 18, 0, (uint)i32);
        var decl = b.Type(b.String("kfunc"), 17, 0, (uint)i32, false, 0xffff_ffff);
        var restrict = b.Type(0, 11, 0, (uint)b.Type(0, KindPtr, 0, (uint)i32));
        var fwd = b.Type(b.String("later"), 7, 0, 0, true);
        var variadic = b.Type(0, KindFuncProto, 2, (uint)i32, false, (uint)b.String("fmt"), (uint)i32, 0, 0);
        var spec = BtfSpec.Load(b.Build());

        Assert.Equal(8, spec.SizeOf(spec.Types[f64]));
        var big = Assert.IsType<BtfEnum>(spec.Types[e64]);
        Assert.Equal(BtfKind.Enum64, big.Kind);
        Assert.True(big.IsSigned);
        Assert.Equal(-2, big.Values[0].Value);
        Assert.Equal("enum big {\n\tNEG = -2LL,\n};", BtfCFormatter.Format(big));
        Assert.Equal("user", Assert.IsType<BtfTypeTag>(spec.Types[tag]).Name);
        Assert.Same(spec.Types[i32], spec.Resolve(spec.Types[tag]));
        var declTag = Assert.IsType<BtfDeclTag>(spec.Types[decl]);
        Assert.Equal(-1, declTag.ComponentIndex);
        Assert.Equal(BtfKind.Restrict, spec.Types[restrict].Kind);
        Assert.Equal("int * restrict", BtfCFormatter.Format(spec.Types[restrict]));
        Assert.True(Assert.IsType<BtfForward>(spec.Types[fwd]).IsUnion);
        Assert.Equal("union later", BtfCFormatter.Format(spec.Types[fwd]));
        var proto = Assert.IsType<BtfFuncProto>(spec.Types[variadic]);
        Assert.True(proto.IsVariadic);
        Assert.Single(proto.Parameters);
        Assert.Equal("int (int fmt, ...)", BtfCFormatter.Format(proto));
    }

    [Fact]
    public void FuzzedSampleBtfOnlyThrowsFormatExceptions()
    {
        var original = SampleBtf();
        var random = new Random(Fuzz.Seed(20261125));
        var loaded = 0;
        var iterations = Fuzz.Iterations(4000);
        for (var iteration = 0; iteration < iterations; iteration++)
        {
            var data = (byte[])original.Clone();
            Mutate(data, random);
            if (random.Next(10) == 0)
                data = data[..random.Next(data.Length)];
            try
            {
                var spec = BtfSpec.Load(data);
                loaded++;
                Exercise(spec);
            }
            catch (BtfFormatException)
            {
            }
        }
        // Many mutations still parse; those must be walkable too.
        TestContext.Current.TestOutputHelper?.WriteLine($"{loaded} of {iterations} mutated blobs loaded and were walked");
        Assert.True(loaded > 400, $"only {loaded} mutated blobs loaded");
    }

    private static void Mutate(byte[] data, Random random)
    {
        var count = random.Next(1, 9);
        if (random.Next(2) == 0)
        {
            // Rewrite whole words of the type section with plausible values (small type ids,
            // kind/vlen words, offsets), which keeps more records parseable but wrong: cycles,
            // members of the wrong kind, self references.
            var typesStart = 24 + (int)BinaryPrimitives.ReadUInt32LittleEndian(data.AsSpan(8));
            var typesLength = (int)BinaryPrimitives.ReadUInt32LittleEndian(data.AsSpan(12));
            for (var i = 0; i < count; i++)
            {
                var word = typesStart + random.Next(typesLength / 4) * 4;
                uint value = random.Next(4) switch
                {
                    0 => (uint)random.Next(400),
                    1 => (uint)random.Next(1, 20) << 24 | (uint)random.Next(4),
                    2 => (uint)random.Next(64),
                    _ => (uint)random.Next(),
                };
                BinaryPrimitives.WriteUInt32LittleEndian(data.AsSpan(word), value);
            }
            return;
        }
        for (var i = 0; i < count; i++)
        {
            // Bias towards the header and the type records, where the structure lives.
            var position = random.Next(4) == 0 ? random.Next(Math.Min(24, data.Length)) : random.Next(data.Length);
            switch (random.Next(3))
            {
                case 0: data[position] = (byte)random.Next(256); break;
                case 1: data[position] ^= (byte)(1 << random.Next(8)); break;
                default: data[position] = (byte)(random.Next(2) == 0 ? 0 : 0xff); break;
            }
        }
    }

    private static void Exercise(BtfSpec spec)
    {
        foreach (var type in spec.Types)
        {
            _ = type.Name;
            _ = type.ToString();
            switch (type)
            {
                case BtfComposite c:
                    foreach (var m in c.Members)
                        _ = (m.Type, m.Name, m.ByteOffset);
                    if (c.Members.Count > 0)
                        spec.TryGetMember(c, c.Members[^1].Name.Length == 0 ? "x" : c.Members[^1].Name, out _);
                    break;
                case BtfDataSec d:
                    foreach (var v in d.Variables)
                        _ = v.Type;
                    break;
                case BtfFuncProto p:
                    foreach (var parameter in p.Parameters)
                        _ = parameter.Type;
                    break;
            }
            spec.Resolve(type);
            try
            {
                spec.SizeOf(type);
            }
            catch (ArgumentException)
            {
            }
            try
            {
                spec.AlignOf(type);
            }
            catch (ArgumentException)
            {
            }
            BtfCFormatter.Format(type);
        }
        spec.TryFindType("task_struct", BtfKind.Struct, out _);
    }
}
