using System.Runtime.CompilerServices;

namespace XMonitor.Bpf.Probes.Tests;

/// <summary>Compiles a test's C helper, kept beside the test's source, with the system's C compiler (once per name and run).</summary>
internal static class NativeProgram
{
    private static readonly Dictionary<string, string> Built = [];

    /// <summary>
    /// Builds <paramref name="sourceFile"/> (beside the calling source file) into a binary named
    /// <paramref name="name"/>, which becomes its tasks' comm; skips the test without a compiler.
    /// </summary>
    public static string Build(string sourceFile, string name, [CallerFilePath] string caller = "")
    {
        lock (Built)
        {
            if (Built.TryGetValue(name, out var built))
                return built;
            var compiler = Tool.Find("cc", "gcc", "clang");
            if (compiler is null)
                BpfEnvironment.Fail($"no C compiler (cc, gcc or clang) to build {sourceFile}");
            var source = Path.Combine(Path.GetDirectoryName(caller)!, sourceFile);
            Assert.True(File.Exists(source), $"{source} not found: the tests build their helpers from the repository's sources");
            var dir = Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), $"xmonitor-tests-{Environment.ProcessId}")).FullName;
            var output = Path.Combine(dir, name);
            var (code, _, error) = Tool.Run(compiler!, "-O2", "-Wall", "-Werror", "-o", output, source);
            Assert.True(code == 0, $"{compiler} failed to build {sourceFile}: {error}");
            Built[name] = output;
            return output;
        }
    }
}
