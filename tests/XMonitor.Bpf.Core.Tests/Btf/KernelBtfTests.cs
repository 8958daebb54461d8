using System.Globalization;
using System.Text.RegularExpressions;
using XMonitor.Bpf.Btf;
using Xunit;

namespace XMonitor.Bpf.Tests.Btf;

public sealed partial class KernelBtfTests
{
    private static void RequireKernelBtf()
    {
        if (!File.Exists(BtfSpec.KernelBtfPath))
            Assert.Skip($"{BtfSpec.KernelBtfPath} does not exist (kernel without CONFIG_DEBUG_INFO_BTF)");
    }

    /// <summary>One type of bpftool's raw dump: its header line and the member or parameter lines that follow it.</summary>
    private sealed record DumpedType(int Id, string Kind, string Name, string Header, List<string> Lines);

    [GeneratedRegex(@"^\[(\d+)\] (\S+) '([^']*)'(.*)$")]
    private static partial Regex TypeLine();

    [GeneratedRegex(@"type_id=(\d+)")]
    private static partial Regex TypeId();

    // bpftool's dump of vmlinux takes seconds: made once for the tests that need it.
    private static readonly Lazy<List<DumpedType>> Dump = new(BpftoolDump);

    private static List<DumpedType> BpftoolDump()
    {
        var types = new List<DumpedType>();
        foreach (var line in SampleObject.Run("bpftool", "btf", "dump", "file", BtfSpec.KernelBtfPath).Split('\n'))
        {
            if (TypeLine().Match(line) is { Success: true } m)
                types.Add(new(int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture), m.Groups[2].Value, m.Groups[3].Value, m.Groups[4].Value, []));
            else if (line.StartsWith('\t'))
                types[^1].Lines.Add(line);
        }
        return types;
    }

    private static int ReferencedId(string text) => int.Parse(TypeId().Match(text).Groups[1].Value, CultureInfo.InvariantCulture);

    [Fact]
    public void FindsTheTypesBpftoolDumpsWithTheirIdsKindsAndReferences()
    {
        RequireKernelBtf();
        var dump = Dump.Value;
        using var btf = KernelBtf.Open();
        Assert.Equal(dump[^1].Id + 1, btf.TypeCount);

        (string Name, BtfKind Kind, string BpftoolKind)[] wanted =
        [
            ("btf_trace_mark_victim", BtfKind.Typedef, "TYPEDEF"),
            ("btf_trace_sched_switch", BtfKind.Typedef, "TYPEDEF"),
            ("task_struct", BtfKind.Struct, "STRUCT"),
            ("vfs_read", BtfKind.Func, "FUNC"),
            ("oom_kill_process", BtfKind.Func, "FUNC"),
            ("pid_t", BtfKind.Typedef, "TYPEDEF"),
        ];
        foreach (var (name, kind, bpftoolKind) in wanted)
        {
            // btf__find_by_name_kind returns the lowest id, bpftool prints in id order.
            var expected = dump.FirstOrDefault(t => t.Kind == bpftoolKind && t.Name == name);
            if (expected is null)
            {
                Assert.False(btf.TryFindType(name, kind, out _), $"{name} is not in bpftool's dump");
                continue;
            }
            Assert.True(btf.TryFindType(name, kind, out var id), name);
            Assert.Equal(expected.Id, id);
            Assert.Equal(kind, btf.GetKind(id));
            Assert.Equal(name, btf.GetName(id));
            if (kind is BtfKind.Typedef or BtfKind.Func)
                Assert.Equal(ReferencedId(expected.Header), btf.GetReferencedType(id));
        }
        Assert.False(btf.TryFindType("xmonitor_no_such_function", BtfKind.Func, out var none));
        Assert.Equal(0, none);
        // A struct named like a function is no function.
        Assert.False(btf.TryFindType("task_struct", BtfKind.Func, out _));
    }

    [Fact]
    public void WalksMarkVictimsPrototypeLikeBpftool()
    {
        RequireKernelBtf();
        var dump = Dump.Value.ToDictionary(t => t.Id);
        using var btf = KernelBtf.Open();
        Assert.True(btf.TryFindType("btf_trace_mark_victim", BtfKind.Typedef, out var typedef));

        // typedef -> PTR -> FUNC_PROTO, each step as bpftool prints it.
        var pointer = btf.Resolve(typedef);
        Assert.Equal(ReferencedId(dump[typedef].Header), pointer);
        Assert.Equal(BtfKind.Pointer, btf.GetKind(pointer));
        Assert.Equal("PTR", dump[pointer].Kind);
        var proto = btf.GetReferencedType(pointer);
        Assert.Equal(ReferencedId(dump[pointer].Header), proto);
        Assert.Equal(BtfKind.FuncProto, btf.GetKind(proto));
        Assert.Equal("", btf.GetName(proto));
        Assert.Equal(dump[proto].Lines.Select(ReferencedId), btf.GetParameterTypes(proto));
        Assert.True(dump[proto].Lines.Count >= 2);

        // The second parameter: struct task_struct * on 6.8+, an int before.
        var second = btf.Resolve(btf.GetParameterTypes(proto)[1]);
        Assert.Equal(dump[second].Kind, btf.GetKind(second) switch { BtfKind.Pointer => "PTR", BtfKind.Int => "INT", var k => k.ToString() });
        if (btf.GetKind(second) == BtfKind.Pointer)
            Assert.Equal(dump[ReferencedId(dump[second].Header)].Name, btf.GetName(btf.Resolve(btf.GetReferencedType(second))));
    }

    [Fact]
    public void AgreesWithBtfSpecOnEveryTracepointPrototype()
    {
        RequireKernelBtf();
        var spec = BtfSpec.LoadKernel();
        using var btf = KernelBtf.Open();
        Assert.Equal(spec.Types.Count, btf.TypeCount);
        var compared = 0;
        foreach (var typedef in spec.Types.OfType<BtfTypedef>().Where(t => t.Name.StartsWith("btf_trace_", StringComparison.Ordinal)))
        {
            Assert.True(btf.TryFindType(typedef.Name, BtfKind.Typedef, out var id));
            Assert.Equal(spec.FindType(typedef.Name, BtfKind.Typedef).Id, id);
            var managed = (BtfFuncProto)spec.Resolve(((BtfPointer)spec.Resolve(typedef)).Target);
            var proto = btf.GetReferencedType(btf.Resolve(id));
            Assert.Equal(managed.Id, proto);
            Assert.Equal(managed.ReturnTypeId, btf.GetReferencedType(proto));
            Assert.Equal(managed.Parameters.Select(p => p.TypeId), btf.GetParameterTypes(proto));
            foreach (var parameter in managed.Parameters)
            {
                var resolved = spec.Resolve(parameter.Type);
                Assert.Equal(resolved.Id, btf.Resolve(parameter.TypeId));
                Assert.Equal(resolved.Kind, btf.GetKind(resolved.Id));
                Assert.Equal(resolved.Name, btf.GetName(resolved.Id));
            }
            compared++;
        }
        // A 6.x kernel has over a thousand tracepoints.
        Assert.True(compared > 500, $"{compared} btf_trace_ typedefs");
        foreach (var function in (string[])["do_mmap", "__vm_munmap", "oom_kill_process", "vfs_read", "xmonitor_no_such_function"])
            Assert.Equal(spec.TryFindType(function, BtfKind.Func, out _), btf.TryFindType(function, BtfKind.Func, out _));
    }

    [Fact]
    public void QueriesAllocateAlmostNothing()
    {
        RequireKernelBtf();
        // Warm up the JIT and the P/Invoke stubs.
        using (var warm = KernelBtf.Open())
            warm.TryFindType("vfs_read", BtfKind.Func, out _);
        var before = GC.GetAllocatedBytesForCurrentThread();
        using (var btf = KernelBtf.Open())
        {
            Assert.True(btf.TryFindType("btf_trace_mark_victim", BtfKind.Typedef, out var typedef));
            var proto = btf.Resolve(btf.GetReferencedType(btf.Resolve(typedef)));
            Assert.True(btf.GetParameterTypes(proto).Count >= 2);
            Assert.True(btf.TryFindType("vfs_read", BtfKind.Func, out _));
        }
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        // The kernel's BTF lives in libbpf's memory; the managed side is a few small objects
        // (BtfSpec.LoadKernel allocates ~18 MB for the same questions).
        Assert.True(allocated < 16 * 1024, $"{allocated} bytes allocated");
    }

    [Fact]
    public void BadIdsKindsAndUseAfterDisposeFailClearly()
    {
        RequireKernelBtf();
        var btf = KernelBtf.Open();
        Assert.Equal(BtfKind.Void, btf.GetKind(0));
        Assert.Equal("", btf.GetName(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => btf.GetKind(btf.TypeCount));
        Assert.Throws<ArgumentOutOfRangeException>(() => btf.GetName(-1));
        Assert.True(btf.TryFindType("task_struct", BtfKind.Struct, out var task));
        Assert.Equal(task, btf.Resolve(task));
        Assert.Contains("Struct", Assert.Throws<ArgumentException>(() => btf.GetReferencedType(task)).Message);
        Assert.Throws<ArgumentException>(() => btf.GetParameterTypes(task));
        Assert.Throws<ArgumentException>(() => btf.TryFindType("", BtfKind.Func, out _));
        Assert.False(btf.TryFindType("vfs_read\0", BtfKind.Func, out _));
        btf.Dispose();
        btf.Dispose();
        Assert.Throws<ObjectDisposedException>(() => btf.TryFindType("vfs_read", BtfKind.Func, out _));
        Assert.Throws<ObjectDisposedException>(() => btf.GetKind(task));
    }
}
