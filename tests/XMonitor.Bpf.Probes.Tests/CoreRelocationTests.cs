using System.Reflection;
using XMonitor.Bpf.Probes.CpuSched;

namespace XMonitor.Bpf.Probes.Tests;

/// <summary>
/// Core relocates each object against a minimal kernel BTF cut for it (the types its CO-RE
/// relocations can match and what they embed) instead of the whole kernel BTF: the loaded programs
/// must be the very same instructions either way.
/// </summary>
public sealed class CoreRelocationTests(ITestOutputHelper output)
{
    public static TheoryData<string> Objects()
        => [.. typeof(CpuSchedProbe).Assembly.GetManifestResourceNames().Where(n => n.EndsWith(".bpf.o", StringComparison.Ordinal)).Order()];

    [Theory]
    [MemberData(nameof(Objects))]
    public void Every_probe_object_loads_the_same_instructions_as_against_the_whole_kernel_btf(string resource)
    {
        BpfEnvironment.Require();
        var minimal = LoadedTags(resource, new BpfObjectOptions());
        var whole = LoadedTags(resource, new BpfObjectOptions { BtfCustomPath = "/sys/kernel/btf/vmlinux" });
        output.WriteLine($"{resource}: {minimal.Count} programs; {string.Join(", ", minimal.Select(p => $"{p.Key} {p.Value}"))}");
        Assert.NotEmpty(minimal);
        Assert.Equal(whole, minimal);
    }

    /// <summary>Whether the kernel has the tracepoint a section names (Debian's 6.1 lacks some of the filemap ones).</summary>
    private static bool TracepointExists(string section)
    {
        var name = section[(section.LastIndexOf('/') + 1)..];
        return KernelFeatures.TracefsPath is not { } tracefs
            || Directory.EnumerateDirectories(Path.Combine(tracefs, "events")).Any(category => Directory.Exists(Path.Combine(category, name)));
    }

    /// <summary>
    /// Loads the programs this kernel can load (tracepoints of every kind; kprobe and fentry
    /// programs are for other kernels) with the object's default settings, and returns each
    /// program's tag (the kernel's hash of its instructions after relocation) and length.
    /// </summary>
    private static SortedDictionary<string, string> LoadedTags(string resource, BpfObjectOptions options)
    {
        using var open = BpfObject.OpenEmbedded(typeof(CpuSchedProbe).Assembly, resource, options);
        foreach (var program in open.Programs)
            program.Autoload = program.AttachKind is BpfAttachKind.Tracepoint or BpfAttachKind.RawTracepoint or BpfAttachKind.BtfRawTracepoint
                && TracepointExists(program.SectionName);
        using var loaded = open.Load();
        var tags = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var program in loaded.Programs.Where(p => p.IsLoaded))
        {
            var tag = File.ReadLines($"/proc/self/fdinfo/{program.Fd}").Single(l => l.StartsWith("prog_tag:", StringComparison.Ordinal))[9..].Trim();
            tags.Add(program.Name, $"{tag}/{program.InstructionCount}");
        }
        return tags;
    }
}
