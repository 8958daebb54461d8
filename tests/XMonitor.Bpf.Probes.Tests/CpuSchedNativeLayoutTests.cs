using System.Runtime.InteropServices;
using System.Text.RegularExpressions;
using XMonitor.Bpf.Probes.CpuSched;

namespace XMonitor.Bpf.Probes.Tests;

/// <summary>The hand-written C# mirrors have the sizes and field offsets that the embedded object's BTF (read by bpftool) gives its C structs.</summary>
public sealed partial class CpuSchedNativeLayoutTests
{
    [Theory]
    [InlineData("cpusched_hist_key", typeof(CpuSchedNative.HistKey))]
    [InlineData("xm_hist", typeof(CpuSchedNative.Hist))]
    [InlineData("cpusched_event", typeof(CpuSchedNative.Event))]
    public void MirrorMatchesTheBtfOfTheEmbeddedObject(string cName, Type mirror)
    {
        var bpftool = Tool.Find("bpftool");
        if (bpftool is null)
        {
            BpfEnvironment.Fail("bpftool is not installed");
            return;
        }
        var (size, members) = ReadStruct(bpftool, cName);

        Assert.Equal(size, Marshal.SizeOf(mirror));
        var fields = mirror.GetFields();
        Assert.Equal(members.Select(m => m.Name), fields.Select(f => CName(f.Name)));
        foreach (var (name, bitOffset) in members)
            Assert.Equal(bitOffset / 8, (int)Marshal.OffsetOf(mirror, fields.Single(f => CName(f.Name) == name).Name));
    }

    [Fact]
    public void EventFlagsMatchTheCEnum()
    {
        var bpftool = Tool.Find("bpftool");
        if (bpftool is null)
        {
            BpfEnvironment.Fail("bpftool is not installed");
            return;
        }
        var raw = DumpRaw(bpftool);
        Assert.Contains("'CPUSCHED_EVENT_OFFCPU' val=1", raw);
        Assert.Contains("'CPUSCHED_EVENT_HUNG' val=2", raw);
        Assert.Equal(1u, (uint)CpuSchedNative.EventFlags.OffCpu);
        Assert.Equal(2u, (uint)CpuSchedNative.EventFlags.Hung);
    }

    // C names are snake_case; the mirrors use PascalCase (DurationNs <-> duration_ns, CgroupId <-> cgroup_id).
    private static string CName(string field) => SnakeCase().Replace(field, "$1_$2").ToLowerInvariant();

    private static (int Size, List<(string Name, int BitOffset)> Members) ReadStruct(string bpftool, string name)
    {
        var lines = DumpRaw(bpftool).Split('\n');
        var header = StructHeader();
        for (var i = 0; i < lines.Length; i++)
        {
            var m = header.Match(lines[i]);
            if (!m.Success || m.Groups[1].Value != name)
                continue;
            var members = new List<(string, int)>();
            var vlen = int.Parse(m.Groups[3].Value);
            for (var j = 1; j <= vlen; j++)
            {
                var member = Member().Match(lines[i + j]);
                Assert.True(member.Success, lines[i + j]);
                members.Add((member.Groups[1].Value, int.Parse(member.Groups[2].Value)));
            }
            return (int.Parse(m.Groups[2].Value), members);
        }
        Assert.Fail($"struct {name} is not in the BTF of cpusched.bpf.o");
        return default;
    }

    private static string DumpRaw(string bpftool)
    {
        var path = Path.Combine(Path.GetTempPath(), $"cpusched-{Environment.ProcessId}-{Guid.NewGuid():N}.bpf.o");
        using (var resource = typeof(CpuSchedProbe).Assembly.GetManifestResourceStream("cpusched.bpf.o")!)
        using (var file = File.Create(path))
            resource.CopyTo(file);
        try
        {
            var (code, output, error) = Tool.Run(bpftool, "btf", "dump", "file", path, "format", "raw");
            Assert.True(code == 0, error);
            return output;
        }
        finally
        {
            File.Delete(path);
        }
    }

    [GeneratedRegex(@"^\[\d+\] STRUCT '([^']+)' size=(\d+) vlen=(\d+)")]
    private static partial Regex StructHeader();

    [GeneratedRegex(@"^\s+'([^']+)' type_id=\d+ bits_offset=(\d+)")]
    private static partial Regex Member();

    [GeneratedRegex("([a-z])([A-Z])")]
    private static partial Regex SnakeCase();
}
