using System.Diagnostics;
using System.Text.RegularExpressions;

namespace XMonitor.Bpf.Tests.Skeletons;

/// <summary>Every generated struct has its BTF size and offsets; one is cross-checked with bpftool.</summary>
public sealed partial class SkeletonLayoutTests
{
    // The test objects' skeletons and the probes' (internal types, found by reflection).
    private static readonly System.Reflection.Assembly[] Assemblies =
        [typeof(SkeletonLayoutTests).Assembly, typeof(XMonitor.Bpf.Probes.ProcessFilter).Assembly];

    public static TheoryData<string> Skeletons => new(Assemblies.SelectMany(a => a.GetTypes())
        .Where(t => t.Name.EndsWith("Skeleton", StringComparison.Ordinal) && t.GetField("ResourceName") is not null)
        .Select(t => t.AssemblyQualifiedName!));

    [Theory]
    [MemberData(nameof(Skeletons))]
    public void GeneratedStructsMatchTheirBtfLayout(string skeleton)
    {
        var (problems, _) = SkeletonLayout.Verify(Type.GetType(skeleton, throwOnError: true)!);
        Assert.Empty(problems);
    }

    [Fact]
    public void TheSampleSkeletonsStructsAreAllChecked()
    {
        // sample_key, sample_value, sample_event (its union member's type is anonymous).
        Assert.Equal(3, SkeletonLayout.Verify(typeof(SkeletonSampleSkeleton)).Checked);
    }

    [Fact]
    public void EveryProbeSkeletonHasItsStructsChecked()
    {
        var probes = typeof(XMonitor.Bpf.Probes.ProcessFilter).Assembly.GetTypes()
            .Where(t => t.Name.EndsWith("Skeleton", StringComparison.Ordinal) && t.GetField("ResourceName") is not null).ToArray();
        Assert.True(probes.Length >= 7, $"{probes.Length} probe skeletons");
        var checkedStructs = probes.Sum(p => SkeletonLayout.Verify(p).Checked);
        Assert.True(checkedStructs >= 15, $"{checkedStructs} probe structs checked");
    }

    [Fact]
    public void TheSampleEventMatchesBpftoolsDump()
    {
        var path = Path.Combine(Path.GetTempPath(), $"skeleton_sample-{Environment.ProcessId}.bpf.o");
        using (var stream = typeof(SkeletonLayoutTests).Assembly.GetManifestResourceStream("skeleton_sample.bpf.o")!)
        using (var file = File.Create(path))
            stream.CopyTo(file);
        try
        {
            var psi = new ProcessStartInfo("bpftool", ["btf", "dump", "file", path]) { RedirectStandardOutput = true };
            using var bpftool = Process.Start(psi)!;
            var dump = bpftool.StandardOutput.ReadToEnd();
            bpftool.WaitForExit();
            Assert.Equal(0, bpftool.ExitCode);

            var block = StructBlock().Match(dump);
            Assert.True(block.Success, "bpftool lists STRUCT 'sample_event'");
            Assert.Equal(SkeletonSampleSkeleton.SampleEvent.SizeInBytes, int.Parse(block.Groups[1].Value));
            var offsets = MemberLine().Matches(block.Groups[2].Value).ToDictionary(m => m.Groups[1].Value, m => int.Parse(m.Groups[2].Value) / 8);
            var type = typeof(SkeletonSampleSkeleton.SampleEvent);
            Assert.Equal(6, offsets.Count);
            foreach (var (member, offset) in offsets)
            {
                var field = type.GetField(string.Concat(member.Split('_').Select(p => char.ToUpperInvariant(p[0]) + p[1..])))!;
                Assert.Equal(offset, ((System.Runtime.InteropServices.FieldOffsetAttribute)field.GetCustomAttributes(typeof(System.Runtime.InteropServices.FieldOffsetAttribute), false)[0]).Value);
            }
        }
        finally
        {
            File.Delete(path);
        }
    }

    [GeneratedRegex(@"STRUCT 'sample_event' size=(\d+) vlen=\d+\n((?:\t.*\n)+)")]
    private static partial Regex StructBlock();

    [GeneratedRegex(@"'(\w+)' type_id=\d+ bits_offset=(\d+)")]
    private static partial Regex MemberLine();
}
