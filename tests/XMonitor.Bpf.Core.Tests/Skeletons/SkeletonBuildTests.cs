using System.Collections;
using System.Diagnostics;
using Microsoft.Build.Framework;
using XMonitor.Bpf.Skeletons;

namespace XMonitor.Bpf.Tests.Skeletons;

/// <summary>The build pipeline around skeletons: incremental regeneration, and a clear error for bad BTF.</summary>
[Collection(SerialCollection.Name)]
public sealed class SkeletonBuildTests
{
    [Fact]
    public void ChangingAStructInTheSourceChangesTheGeneratedCode()
    {
        // Inside the repository, so the project gets the same build targets a package consumer gets.
        var dir = Path.Combine(AppContext.BaseDirectory, "incremental-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(dir);
        try
        {
            var core = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "../../../../../src/XMonitor.Bpf.Core/XMonitor.Bpf.Core.csproj"));
            File.WriteAllText(Path.Combine(dir, "UserProbe.csproj"), $"""
                <Project Sdk="Microsoft.NET.Sdk">
                  <PropertyGroup><RootNamespace>UserProbe</RootNamespace></PropertyGroup>
                  <ItemGroup><ProjectReference Include="{core}" /></ItemGroup>
                </Project>
                """);
            var source = Path.Combine(dir, "probe.bpf.c");
            File.WriteAllText(source, Source("__u32 a;"));
            Build(dir);
            var generated = Path.Combine(dir, "obj/bpf/probe.bpf.g.cs");
            var first = File.ReadAllText(generated);
            Assert.Contains("public uint A;", first);
            Assert.DoesNotContain(" B;", first);
            var objectFile = Path.Combine(dir, "obj/bpf/probe.bpf.o");
            var builtAt = File.GetLastWriteTimeUtc(objectFile);

            Build(dir);
            Assert.Equal(builtAt, File.GetLastWriteTimeUtc(objectFile));

            File.WriteAllText(source, Source("__u32 a;\n\t__u64 b;"));
            Build(dir);
            var second = File.ReadAllText(generated);
            Assert.Contains("[global::System.Runtime.InteropServices.FieldOffset(8)] public ulong B;", second);
            Assert.Contains("Size = 16", second);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void AMissingClangIsOneBuildErrorNamingThePackage()
    {
        var dir = Path.Combine(AppContext.BaseDirectory, "noclang-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(dir);
        try
        {
            var core = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "../../../../../src/XMonitor.Bpf.Core/XMonitor.Bpf.Core.csproj"));
            File.WriteAllText(Path.Combine(dir, "NoClang.csproj"), $"<Project Sdk=\"Microsoft.NET.Sdk\"><ItemGroup><ProjectReference Include=\"{core}\" /></ItemGroup></Project>");
            File.WriteAllText(Path.Combine(dir, "probe.bpf.c"), Source("__u32 a;"));
            var (exitCode, output) = TryBuild(dir, "-p:BpfClang=xmon-no-such-clang");
            Assert.NotEqual(0, exitCode);
            Assert.Contains("XMBPF001", output);
            Assert.Contains("apt-get install clang", output);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void MalformedBtfIsABuildErrorNamingTheObjectAndTheProblem()
    {
        using var stream = typeof(SkeletonBuildTests).Assembly.GetManifestResourceStream("counter.bpf.o")!;
        var bytes = new byte[stream.Length];
        stream.ReadExactly(bytes);
        // Corrupt the BTF header's magic (0xeB9F), wherever the .BTF section starts.
        var at = bytes.AsSpan().IndexOf((ReadOnlySpan<byte>)[0x9f, 0xeb, 0x01, 0x00]);
        Assert.True(at > 0);
        bytes[at] = 0;
        var path = Path.Combine(Path.GetTempPath(), $"broken-{Environment.ProcessId}.bpf.o");
        File.WriteAllBytes(path, bytes);
        try
        {
            var engine = new RecordingEngine();
            var task = new GenerateBpfSkeletons
            {
                BuildEngine = engine,
                Objects = [new Item(path, new() { ["Namespace"] = "Broken", ["OutputFile"] = path + ".g.cs" })],
            };
            Assert.False(task.Execute());
            var error = Assert.Single(engine.Errors);
            Assert.Equal("XMBPF003", error.Code);
            Assert.Contains(path, error.Message);
            Assert.Contains("BTF", error.Message);
            Assert.False(File.Exists(path + ".g.cs"));
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static string Source(string members) => $$"""
        #include "vmlinux.h"
        #include <bpf/bpf_helpers.h>
        #include "xmonitor/xm_export.bpf.h"

        struct my_event {
        	{{members}}
        };

        XM_EXPORT_TYPE(struct, my_event);

        SEC("raw_tp/sys_enter")
        int noop(void *ctx)
        {
        	return 0;
        }

        char LICENSE[] SEC("license") = "GPL";
        """;

    private static void Build(string dir)
    {
        var (exitCode, output) = TryBuild(dir);
        Assert.True(exitCode == 0, output);
    }

    private static (int ExitCode, string Output) TryBuild(string dir, params string[] properties)
    {
        var psi = new ProcessStartInfo("dotnet", ["build", "-c", BuildConfiguration.Name, "-nologo", "-v:q", "-p:NuGetAudit=false", .. properties])
        {
            WorkingDirectory = dir,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var build = Process.Start(psi)!;
        var stderr = build.StandardError.ReadToEndAsync();
        var output = build.StandardOutput.ReadToEnd();
        build.WaitForExit();
        return (build.ExitCode, output + stderr.Result);
    }

    private sealed class Item(string spec, Dictionary<string, string> metadata) : ITaskItem
    {
        public string ItemSpec { get; set; } = spec;
        public ICollection MetadataNames => metadata.Keys;
        public int MetadataCount => metadata.Count;
        public string GetMetadata(string name) => metadata.GetValueOrDefault(name, "");
        public void SetMetadata(string name, string value) => metadata[name] = value;
        public void RemoveMetadata(string name) => metadata.Remove(name);
        public void CopyMetadataTo(ITaskItem destination) => throw new NotSupportedException();
        public IDictionary CloneCustomMetadata() => new Dictionary<string, string>(metadata);
    }

    private sealed class RecordingEngine : IBuildEngine
    {
        public List<BuildErrorEventArgs> Errors { get; } = [];
        public bool ContinueOnError => false;
        public int LineNumberOfTaskNode => 0;
        public int ColumnNumberOfTaskNode => 0;
        public string ProjectFileOfTaskNode => "";
        public void LogErrorEvent(BuildErrorEventArgs e) => Errors.Add(e);
        public void LogWarningEvent(BuildWarningEventArgs e) { }
        public void LogMessageEvent(BuildMessageEventArgs e) { }
        public void LogCustomEvent(CustomBuildEventArgs e) { }
        public bool BuildProjectFile(string projectFileName, string[] targetNames, IDictionary globalProperties, IDictionary targetOutputs) => false;
    }
}
