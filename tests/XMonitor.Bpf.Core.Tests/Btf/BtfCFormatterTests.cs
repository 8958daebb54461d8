using System.Text.RegularExpressions;
using Xunit;
using XMonitor.Bpf.Btf;

namespace XMonitor.Bpf.Tests.Btf;

public sealed partial class BtfCFormatterTests
{
    [GeneratedRegex(@"^(?<kind>struct|union|enum) (?<name>\w+) \{\n.*?^\}[^\n]*;$", RegexOptions.Multiline | RegexOptions.Singleline)]
    private static partial Regex Definition();

    [GeneratedRegex(@"___\d+\b")]
    private static partial Regex DuplicateSuffix();

    /// <summary>
    /// The named struct, union and enum definitions of a bpftool <c>format c</c> dump, by kind and
    /// name. bpftool renames clashing duplicates to <c>foo___2</c> (and every reference to them);
    /// the suffixes are dropped so each definition compares with the BTF type it came from.
    /// </summary>
    private static Dictionary<(string Kind, string Name), List<string>> Definitions(string header)
        => Definition().Matches(DuplicateSuffix().Replace(header, ""))
            .GroupBy(m => (m.Groups["kind"].Value, m.Groups["name"].Value), m => m.Value)
            .ToDictionary(g => g.Key, g => g.ToList());

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
        foreach (var ((kind, name), texts) in expected)
        {
            var type = spec.TryFindType(name, Kind(kind), out var t) ? t : spec.FindType(name, BtfKind.Enum64);
            Assert.Equal(Assert.Single(texts), BtfCFormatter.Format(type));
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
        var byName = spec.Types.Where(t => t is BtfComposite or BtfEnum && !t.IsAnonymous).ToLookup(t => t.Name);
        foreach (var ((kind, name), texts) in expected)
        {
            // Every BTF type of that name (duplicates included) must print as one of bpftool's definitions.
            foreach (var type in byName[name].Where(t => t.Kind == Kind(kind) || (kind == "enum" && t.Kind == BtfKind.Enum64)))
            {
                compared++;
                var actual = BtfCFormatter.Format(type);
                if (!texts.Contains(actual))
                    mismatches.Add(FirstDifference(name, texts[0], actual));
            }
        }
        TestContext.Current.TestOutputHelper?.WriteLine($"{compared} kernel definitions compared, {mismatches.Count} differ");
        foreach (var mismatch in mismatches.Take(40))
            TestContext.Current.TestOutputHelper?.WriteLine(mismatch);
        Assert.True(compared > 5000);
        Assert.Empty(mismatches);
    }

    [Fact]
    public void KernelTypedefsMatchBpftool()
    {
        if (!File.Exists(BtfSpec.KernelBtfPath))
            Assert.Skip("no kernel BTF");
        var spec = BtfSpec.LoadKernel();
        var header = SampleObject.Run("bpftool", "btf", "dump", "file", BtfSpec.KernelBtfPath, "format", "c");
        var lines = DuplicateSuffix().Replace(header, "").Split('\n').ToHashSet();
        var blocks = DuplicateSuffix().Replace(header, "");
        var missing = new List<string>();
        var compared = 0;
        var typedefs = spec.Types.OfType<BtfTypedef>().ToList();
        var duplicated = typedefs.GroupBy(t => t.Name).Where(g => g.Count() > 1).Select(g => g.Key).ToHashSet();
        foreach (var typedef in typedefs)
        {
            // bpftool prints one of several same-named typedefs, and leaves out the compiler's own.
            if (duplicated.Contains(typedef.Name) || typedef.Name == "__builtin_va_list")
                continue;
            var text = BtfCFormatter.Format(typedef);
            if (text.Contains('\n'))
            {
                compared++;
                if (!blocks.Contains("\n" + text + "\n", StringComparison.Ordinal))
                    missing.Add(text);
                continue;
            }
            compared++;
            if (!lines.Contains(text))
                missing.Add(text);
        }
        TestContext.Current.TestOutputHelper?.WriteLine($"{compared} kernel typedefs compared, {missing.Count} not in bpftool's output");
        foreach (var text in missing.Take(20))
            TestContext.Current.TestOutputHelper?.WriteLine(text);
        Assert.True(compared > 1000);
        Assert.Empty(missing);
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
