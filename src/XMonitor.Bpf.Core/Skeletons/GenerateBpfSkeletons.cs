using Microsoft.Build.Framework;
using XMonitor.Bpf.Btf;
using XMonitor.Bpf.Elf;

namespace XMonitor.Bpf.Skeletons;

/// <summary>
/// The MSBuild task behind the generated skeletons: for each compiled BPF object it writes a C#
/// file with the object's typed skeleton and the mirrors of its types. Used by the package's
/// build targets; not meant to be called from code.
/// </summary>
public sealed class GenerateBpfSkeletons : ITask
{
    /// <summary>The compiled objects; metadata <c>Namespace</c>, <c>SkeletonName</c>, <c>SkeletonPublic</c>, <c>OutputFile</c>.</summary>
    [Required]
    public ITaskItem[] Objects { get; set; } = [];

    /// <inheritdoc />
    public IBuildEngine? BuildEngine { get; set; }

    /// <inheritdoc />
    public ITaskHost? HostObject { get; set; }

    /// <inheritdoc />
    public bool Execute()
    {
        var ok = true;
        foreach (var item in Objects)
        {
            var path = item.ItemSpec;
            var output = item.GetMetadata("OutputFile");
            try
            {
                var elf = BpfElfFile.Load(path);
                var name = item.GetMetadata("SkeletonName");
                var generator = new SkeletonGenerator(elf, Path.GetFileName(path), item.GetMetadata("Namespace"),
                    string.IsNullOrEmpty(name) ? null : name, string.Equals(item.GetMetadata("SkeletonPublic"), "true", StringComparison.OrdinalIgnoreCase));
                var text = generator.Generate();
                Directory.CreateDirectory(Path.GetDirectoryName(output)!);
                // Rewrite only on change, so an unchanged object does not recompile its project.
                if (!File.Exists(output) || File.ReadAllText(output) != text)
                    File.WriteAllText(output, text);
            }
            catch (Exception e) when (e is BtfFormatException or BpfElfFormatException or IOException)
            {
                ok = false;
                BuildEngine?.LogErrorEvent(new BuildErrorEventArgs("BPF", "XMBPF003", path, 0, 0, 0, 0,
                    $"cannot generate the skeleton of BPF object '{path}': {e.Message}", null, nameof(GenerateBpfSkeletons)));
            }
        }
        return ok;
    }
}
