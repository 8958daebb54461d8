using Xunit;
using System.Diagnostics;
using System.Text.RegularExpressions;
using XMonitor.Bpf.Btf;

namespace XMonitor.Bpf.Tests.Btf;

public sealed class BtfSpecTests
{
    private static BtfSpec Sample() => BtfSpec.FromElf(SampleObject.Data);

    private static void RequireKernelBtf()
    {
        if (!File.Exists(BtfSpec.KernelBtfPath))
            Assert.Skip($"{BtfSpec.KernelBtfPath} does not exist (kernel without CONFIG_DEBUG_INFO_BTF)");
    }

    [Fact]
    public void SampleObjectDumpMatchesBpftoolTypeForType()
    {
        var expected = SampleObject.Run("bpftool", "btf", "dump", "file", SampleObject.FilePath);
        var actual = BtfRawDump.Dump(Sample());
        Assert.Equal(expected, actual);
    }

    [Fact]
    public void KernelDumpMatchesBpftoolTypeForType()
    {
        RequireKernelBtf();
        var expected = SampleObject.Run("bpftool", "btf", "dump", "file", BtfSpec.KernelBtfPath);
        var actual = BtfRawDump.Dump(BtfSpec.LoadKernel());
        var expectedLines = expected.Split('\n');
        var actualLines = actual.Split('\n');
        for (var i = 0; i < Math.Min(expectedLines.Length, actualLines.Length); i++)
            Assert.True(expectedLines[i] == actualLines[i], $"line {i + 1} differs:\n bpftool: {expectedLines[i]}\n managed: {actualLines[i]}");
        Assert.Equal(expectedLines.Length, actualLines.Length);
    }

    [Fact]
    public void KernelLoadsQuickly()
    {
        RequireKernelBtf();
        BtfSpec.LoadKernel();
        var times = new List<double>();
        BtfSpec? spec = null;
        for (var i = 0; i < 5; i++)
        {
            var watch = Stopwatch.StartNew();
            spec = BtfSpec.LoadKernel();
            times.Add(watch.Elapsed.TotalMilliseconds);
        }
        var watchFind = Stopwatch.StartNew();
        var pid = spec!.FindMemberOffset("task_struct", "pid");
        var findMs = watchFind.Elapsed.TotalMilliseconds;
        TestContext.Current.TestOutputHelper?.WriteLine(
            $"BtfSpec.LoadKernel(): {spec.Types.Count} types, best {times.Min():F1} ms, median {times.Order().ElementAt(2):F1} ms; first name lookup (builds the index) {findMs:F1} ms; task_struct.pid at {pid.ByteOffset}");
        Assert.True(times.Min() < 1000, $"LoadKernel took {times.Min():F1} ms");
    }

    [Fact]
    public void TaskStructPidOffsetMatchesBpftool()
    {
        RequireKernelBtf();
        var spec = BtfSpec.LoadKernel();
        var dump = SampleObject.Run("bpftool", "btf", "dump", "file", BtfSpec.KernelBtfPath);
        var task = Regex.Match(dump, @"^\[\d+\] STRUCT 'task_struct' size=(\d+) vlen=\d+\n((?:\t.*\n)*)", RegexOptions.Multiline);
        Assert.True(task.Success);
        var pidLine = Regex.Match(task.Groups[2].Value, @"^\t'pid' type_id=\d+ bits_offset=(\d+)$", RegexOptions.Multiline);
        Assert.True(pidLine.Success);

        var pid = spec.FindMemberOffset("task_struct", "pid");
        Assert.Equal(long.Parse(pidLine.Groups[1].Value) / 8, pid.ByteOffset);
        Assert.Equal(4, spec.SizeOf(pid.Type));
        Assert.Equal(long.Parse(task.Groups[1].Value), spec.SizeOf(spec.FindType("task_struct", BtfKind.Struct)));
        Assert.Equal(8, spec.PointerSize);
    }

    [Fact]
    public void KernelPathsThroughNestedAndAnonymousMembers()
    {
        RequireKernelBtf();
        var spec = BtfSpec.LoadKernel();
        var se = spec.FindMemberOffset("task_struct", "se");
        var vruntime = spec.FindMemberOffset("sched_entity", "vruntime");
        Assert.Equal(se.ByteOffset + vruntime.ByteOffset, spec.FindMemberOffset("task_struct", "se.vruntime").ByteOffset);
        // __state sits in task_struct directly on some kernels and in an anonymous struct on others;
        // either way the lookup must see it.
        Assert.True(spec.TryGetMember(spec.FindType("task_struct", BtfKind.Struct), "__state", out _));
        Assert.Throws<KeyNotFoundException>(() => spec.FindMemberOffset("task_struct", "no_such_member"));
        Assert.Throws<KeyNotFoundException>(() => spec.FindMemberOffset("no_such_struct", "pid"));
    }

    [Fact]
    public void SampleStructLayout()
    {
        var spec = Sample();
        var value = (BtfComposite)spec.FindType("sample_value", BtfKind.Struct);
        Assert.Equal(72, spec.SizeOf(value));
        Assert.Equal(8, spec.AlignOf(value));
        Assert.Equal(["comm", "runtime_ns", "data", "flags", "state", "", "next", "callback"], value.Members.Select(m => m.Name));

        var comm = value.Members[0];
        var array = Assert.IsType<BtfArray>(comm.Type);
        Assert.Equal(16u, array.Length);
        Assert.Equal("char", array.ElementType.Name);
        Assert.Equal(16, spec.SizeOf(comm.Type));

        Assert.True(spec.TryGetMember(value, "y", out var y));
        Assert.Equal(48, y.ByteOffset);
        Assert.True(spec.TryGetMember(value, "data.parts.hi", out var hi));
        Assert.Equal(24 + 2, hi.ByteOffset);
        Assert.True(spec.TryGetMember(value, "flags.prio", out var prio));
        Assert.Equal(32 * 8 + 1, prio.BitOffset);
        Assert.Equal(7, prio.BitfieldSize);
        Assert.False(spec.TryGetMember(value, "nope", out _));
        Assert.False(spec.TryGetMember(value, "runtime_ns.deeper", out _));

        var union = Assert.IsType<BtfComposite>(spec.Resolve(value.Members[2].Type));
        Assert.True(union.IsUnion);
        Assert.Equal(8u, union.Size);

        var flags = (BtfComposite)spec.FindType("sample_flags", BtfKind.Struct);
        Assert.True(flags.HasBitfieldEncoding);
        Assert.Equal([1, 7, 24, 0], flags.Members.Select(m => m.BitfieldSize));
        Assert.Equal(4, spec.AlignOf(flags));

        var pointer = Assert.IsType<BtfPointer>(value.Members[6].Type);
        Assert.Same(value, pointer.Target);
        var callback = Assert.IsType<BtfFuncProto>(((BtfPointer)value.Members[7].Type).Target);
        Assert.IsType<BtfVoid>(callback.ReturnType);
        Assert.Equal(2, callback.Parameters.Count);
    }

    [Fact]
    public void SampleEnumAndReadOnlyQualifiers()
    {
        var spec = Sample();
        var state = (BtfEnum)spec.FindType("sample_state");
        Assert.Equal(BtfKind.Enum, state.Kind);
        Assert.Equal(4, state.Size);
        Assert.Equal([("SAMPLE_IDLE", 0L), ("SAMPLE_RUNNING", 1L), ("SAMPLE_BLOCKED", 7L)], state.Values.Select(v => (v.Name, v.Value)));

        var targetPid = (BtfVar)spec.FindType("target_pid", BtfKind.Var);
        var constant = Assert.IsType<BtfQualifier>(targetPid.Type);
        Assert.Equal(BtfKind.Const, constant.Kind);
        Assert.Equal(BtfKind.Volatile, constant.Target.Kind);
        var resolved = Assert.IsType<BtfInt>(spec.Resolve(targetPid.Type));
        Assert.Equal("unsigned int", resolved.Name);
        Assert.False(resolved.IsSigned);
        Assert.Equal(32, resolved.Bits);

        var rodata = (BtfDataSec)spec.FindType(".rodata", BtfKind.DataSec);
        Assert.Equal(["target_pid", "min_runtime_ns", "verbose", "filter_bytes", "wanted_state"], rodata.Variables.Select(v => v.Type.Name));
        Assert.Equal([4u, 8u, 1u, 4u, 4u], rodata.Variables.Select(v => v.Size));

        var handler = (BtfFunc)spec.FindType("handle_switch", BtfKind.Func);
        Assert.Equal(BtfLinkage.Global, handler.Linkage);
        Assert.Equal("ctx", Assert.IsType<BtfFuncProto>(handler.Prototype).Parameters.Single().Name);
    }

    [Fact]
    public void LookupsAndResolution()
    {
        var spec = Sample();
        Assert.IsType<BtfVoid>(spec.Types[0]);
        Assert.True(spec.TryFindType("__u32", null, out var u32));
        Assert.IsType<BtfTypedef>(u32);
        Assert.False(spec.TryFindType("__u32", BtfKind.Struct, out _));
        Assert.False(spec.TryFindType("does_not_exist", null, out _));
        Assert.Throws<KeyNotFoundException>(() => spec.FindType("does_not_exist"));
        Assert.Throws<ArgumentOutOfRangeException>(() => spec.Types[spec.Types.Count]);
        Assert.Equal(spec.Types.Count, spec.Types.Count());
        Assert.All(spec.Types.Skip(1), t => Assert.NotEqual(BtfKind.Void, t.Kind));
        Assert.Same(spec.Types[5], spec.Types[5]);
        Assert.Throws<ArgumentException>(() => spec.SizeOf(spec.Types[0]));
        Assert.Throws<ArgumentException>(() => spec.AlignOf(spec.FindType("handle_exec", BtfKind.Func)));
        Assert.Equal(8, spec.AlignOf(spec.FindType("sample_key", BtfKind.Struct)));

        var other = Sample();
        var foreign = other.FindType("sample_key", BtfKind.Struct);
        Assert.Throws<ArgumentException>(() => spec.SizeOf(foreign));
        Assert.Throws<ArgumentException>(() => spec.TryGetMember(foreign, "pid", out _));
        Assert.False(spec.TryGetMember(spec.FindType("sample_value", BtfKind.Struct), "data..as_u64", out _));
    }

    [Fact]
    public void KernelAlignmentsAreNaturalAndSizesPositive()
    {
        RequireKernelBtf();
        var spec = BtfSpec.LoadKernel();
        var structs = spec.Types.OfType<BtfComposite>().Where(c => c.Size > 0).ToList();
        Assert.True(structs.Count > 1000);
        foreach (var s in structs)
        {
            var align = spec.AlignOf(s);
            Assert.True(align is 1 or 2 or 4 or 8, $"{s}: alignment {align}");
            Assert.Equal(s.Size, spec.SizeOf(s));
        }
        Assert.Equal(4, spec.AlignOf(spec.FindType("int")));
        Assert.Equal(8, spec.AlignOf(spec.FindType("list_head", BtfKind.Struct)));
    }
}
