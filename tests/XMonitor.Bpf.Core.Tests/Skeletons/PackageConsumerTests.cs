using System.Diagnostics;

namespace XMonitor.Bpf.Tests.Skeletons;

/// <summary>
/// A project outside the repository that references only the packed XMonitor.Bpf.Core package and
/// holds one .bpf.c gets the object compiled, embedded, and its skeleton generated, and runs it.
/// </summary>
[Collection(SerialCollection.Name)]
public sealed class PackageConsumerTests
{
    [Fact]
    public void APackageConsumerGetsItsObjectEmbeddedAndItsSkeleton()
    {
        BpfEnvironment.Require();
        var version = $"0.0.0-test{DateTime.UtcNow:yyyyMMddHHmmss}{Environment.ProcessId}";
        var root = Path.Combine(Path.GetTempPath(), "xmon-consumer-" + version);
        var feed = Path.Combine(root, "feed");
        var app = Path.Combine(root, "app");
        Directory.CreateDirectory(app);
        var cached = Path.Combine(Environment.GetEnvironmentVariable("NUGET_PACKAGES") ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget/packages"), "xmonitor.bpf.core", version);
        try
        {
            var core = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "../../../../../src/XMonitor.Bpf.Core/XMonitor.Bpf.Core.csproj"));
            Run(root, "dotnet", "pack", core, "-c", BuildConfiguration.Name, "--no-build", "-o", feed, $"-p:PackageVersion={version}");

            File.WriteAllText(Path.Combine(app, "nuget.config"), $"""
                <configuration><packageSources><clear />
                  <add key="local" value="{feed}" />
                  <add key="nuget.org" value="https://api.nuget.org/v3/index.json" />
                </packageSources></configuration>
                """);
            File.WriteAllText(Path.Combine(app, "Consumer.csproj"), $"""
                <Project Sdk="Microsoft.NET.Sdk">
                  <PropertyGroup>
                    <OutputType>Exe</OutputType><TargetFramework>net10.0</TargetFramework>
                    <Nullable>enable</Nullable><ImplicitUsings>enable</ImplicitUsings><RootNamespace>Consumer</RootNamespace>
                  </PropertyGroup>
                  <ItemGroup><PackageReference Include="XMonitor.Bpf.Core" Version="{version}" /></ItemGroup>
                </Project>
                """);
            File.WriteAllText(Path.Combine(app, "hello.bpf.c"), """
                #include "vmlinux.h"
                #include <bpf/bpf_helpers.h>

                const volatile __u32 answer = 0;
                __u64 runs = 0;

                SEC("syscall")
                int hello(void *ctx)
                {
                	runs += answer;
                	return answer;
                }

                char LICENSE[] SEC("license") = "GPL";
                """);
            File.WriteAllText(Path.Combine(app, "Program.cs"), """
                using var open = Consumer.HelloSkeleton.Open();
                open.Answer = 42;
                using var skeleton = open.Load();
                var result = skeleton.HelloProgram.TestRun();
                Console.WriteLine($"{result.ReturnValue} {skeleton.Runs}");
                """);
            Run(app, "dotnet", "build", "-c", BuildConfiguration.Name, "-nologo", "-v:q");
            var output = Run(app, "dotnet", "run", "--no-build", "-c", BuildConfiguration.Name);
            Assert.Equal("42 42", output.Trim());
        }
        finally
        {
            Directory.Delete(root, recursive: true);
            if (Directory.Exists(cached))
                Directory.Delete(cached, recursive: true);
        }
    }

    private static string Run(string dir, string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file, args) { WorkingDirectory = dir, RedirectStandardOutput = true, RedirectStandardError = true };
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEnd();
        p.WaitForExit();
        Assert.True(p.ExitCode == 0, $"{file} {string.Join(' ', args)} failed:\n{stdout.Result}\n{stderr}");
        return stdout.Result;
    }
}
