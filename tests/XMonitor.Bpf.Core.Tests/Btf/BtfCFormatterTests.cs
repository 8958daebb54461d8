using System.Text.RegularExpressions;
using Xunit;
using XMonitor.Bpf.Btf;

namespace XMonitor.Bpf.Tests.Btf;

public sealed partial class BtfCFormatterTests
{
    [GeneratedRegex(@"^(?<kind>struct|union|enum) (?<name>\w+) \{\n.*?^\}[^\n]*;$", RegexOptions.Multiline | RegexOptions.Singleline)]
    private static partial Regex Definition();

    /// <summary>The named struct, union and enum definitions of a bpftool <c>format c</c> dump, by kind and name.</summary>
    private static Dictionary<(string Kind, string Name), string> Definitions(string header)
        => Definition().Matches(header).ToDictionary(m => (m.Groups["kind"].Value, m.Groups["name"].Value), m => m.Value);

    private static BtfKind Kind(string keyword) => keyword switch
    {
        "struct" => BtfKind.Struct,
        "union" => BtfKind.Union,
        _ => BtfKind.Enum,
    };

    [Fact]
    public void EveryNamedTypeOfTheSampleMatchesBpftool()
    {
        var spec = BtfSpec.FromElf(SampleObject.Data);
        var expected = Definitions(SampleObject.Run("bpftool", "btf", "dump", "file", SampleObject.FilePath, "format", "c"));
        Assert.Contains(("struct", "sample_value"), expected.Keys);
        Assert.True(expected.Count > 50);
        foreach (var ((kind, name), text) in expected)
        {
            var type = spec.TryFindType(name, Kind(kind), out var t) ? t : spec.FindType(name, BtfKind.Enum64);
            Assert.Equal(text, BtfCFormatter.Format(type));
        }
    }

    [Fact]
    public void KernelStructsMatchBpftool()
    {
        if (!File.Exists(BtfSpec.KernelBtfPath))
            Assert.Skip("no kernel BTF");
        var spec = BtfSpec.LoadKernel();
        var expected = Definitions(SampleObject.Run("bpftool", "btf", "dump", "file", BtfSpec.KernelBtfPath, "format", "c"));
        var mismatches = new List<string>();
        var compared = 0;
        foreach (var ((kind, name), text) in expected)
        {
            // bpftool renames clashing duplicates (foo___2) and every reference to them; those
            // names do not exist in the BTF.
            if (text.Contains("___", StringComparison.Ordinal))
                continue;
            if (!spec.TryFindType(name, Kind(kind), out var type) && !spec.TryFindType(name, BtfKind.Enum64, out type))
                continue;
            compared++;
            var actual = BtfCFormatter.Format(type);
            if (actual != text)
                mismatches.Add(FirstDifference(name, text, actual));
        }
        TestContext.Current.TestOutputHelper?.WriteLine($"{compared} kernel definitions compared, {mismatches.Count} differ");
        foreach (var mismatch in mismatches.Take(40))
            TestContext.Current.TestOutputHelper?.WriteLine(mismatch);
        Assert.True(compared > 5000);
        Assert.Empty(mismatches);
    }

    private static string FirstDifference(string name, string expected, string actual)
    {
        var e = expected.Split('\n');
        var a = actual.Split('\n');
        for (var i = 0; i < Math.Min(e.Length, a.Length); i++)
        {
            if (e[i] != a[i])
                return $"{name} line {i + 1}: bpftool '{e[i]}' managed '{a[i]}'";
        }
        return $"{name}: bpftool {e.Length} lines, managed {a.Length}";
    }

    [Fact]
    public void DeclarationsOfOtherKinds()
    {
        var spec = BtfSpec.FromElf(SampleObject.Data);
        Assert.Equal("const volatile __u32 target_pid;", BtfCFormatter.Format(spec.FindType("target_pid", BtfKind.Var)));
        Assert.Equal("const volatile __u8 filter_bytes[4];", BtfCFormatter.Format(spec.FindType("filter_bytes", BtfKind.Var)));
        Assert.Equal("typedef unsigned int __u32;", BtfCFormatter.Format(spec.FindType("__u32")));
        Assert.Equal("int handle_exec(void *ctx);", BtfCFormatter.Format(spec.FindType("handle_exec", BtfKind.Func)));
        var value = (BtfComposite)spec.FindType("sample_value", BtfKind.Struct);
        Assert.Equal("void (*)(int, void *)", BtfCFormatter.Format(value.Members[7].Type));
        Assert.Equal("struct sample_value *", BtfCFormatter.Format(value.Members[6].Type));
        Assert.Equal("void", BtfCFormatter.Format(spec.Types[0]));
    }
}
