namespace XMonitor.Bpf.Probes.Tests;

/// <summary>
/// Compiles a test's C helper with the system's C compiler (once per name and run). The project
/// copies every helper source into the test output, so this works from any checkout path (CI's
/// deterministic builds map source paths to /_/, where CallerFilePath would point).
/// </summary>
internal static class NativeProgram
{
    private static readonly Dictionary<string, string> Built = [];

    /// <summary>
    /// Builds <paramref name="sourceFile"/> (a helper source file name, found in the test output)
    /// into a binary named <paramref name="name"/>, which becomes its tasks' comm, with the compiler
    /// flags <paramref name="flags"/> in addition to <c>-O2 -Wall -Werror</c>.
    /// </summary>
    public static string Build(string sourceFile, string name, params string[] flags)
    {
        lock (Built)
        {
            if (Built.TryGetValue(name, out var built))
                return built;
            var compiler = Tool.Find("cc", "gcc", "clang");
            if (compiler is null)
                BpfEnvironment.Fail($"no C compiler (cc, gcc or clang) to build {sourceFile}");
            var source = Directory.EnumerateFiles(AppContext.BaseDirectory, sourceFile, SearchOption.AllDirectories).FirstOrDefault();
            Assert.True(source is not null, $"{sourceFile} is not in the test output {AppContext.BaseDirectory}");
            var dir = Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), $"xmonitor-tests-{Environment.ProcessId}")).FullName;
            var output = Path.Combine(dir, name);
            var (code, _, error) = Tool.Run(compiler!, ["-O2", "-Wall", "-Werror", .. flags, "-o", output, source!]);
            Assert.True(code == 0, $"{compiler} failed to build {sourceFile}: {error}");
            Built[name] = output;
            return output;
        }
    }
}
