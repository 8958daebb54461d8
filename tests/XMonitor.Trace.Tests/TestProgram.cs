using System.Diagnostics;

namespace XMonitor.Trace.Tests;

/// <summary>
/// A small C program, compiled once per test run: it opens a known file, writes known bytes to it,
/// closes it and opens a missing path on purpose. Arguments: KNOWN MISSING [DELAY_MS].
/// </summary>
internal static class TestProgram
{
    public const string Written = "hello xmon\n";

    private const string Source = """
        #include <fcntl.h>
        #include <stdlib.h>
        #include <unistd.h>

        /* Out of line, so the user stack has a function of the program's own between main and libc. */
        __attribute__((noinline)) int open_known_file(const char *path)
        {
        	return open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        }

        int main(int argc, char **argv)
        {
        	int fd;

        	if (argc > 3)
        		usleep(atoi(argv[3]) * 1000); /* time for a tracer to attach with -p */
        	fd = open_known_file(argv[1]);
        	write(fd, "hello xmon\n", 11);
        	close(fd);
        	open(argv[2], O_RDONLY);
        	return fd < 0;
        }
        """;

    private static readonly Lazy<string> Compiled = new(Compile);

    /// <summary>The path the program's DWARF line table names for its source.</summary>
    public static string SourcePath => Path.Combine(Directory, "traced.c");

    /// <summary>The 1-based source line that contains <paramref name="text"/>.</summary>
    public static int LineOf(string text) =>
        Array.FindIndex(Source.Split('\n'), l => l.Contains(text, StringComparison.Ordinal)) + 1;

    /// <summary>The compiled program (gcc, or clang where gcc is missing: .ci/setup installs clang).</summary>
    public static string Executable => Compiled.Value;

    public static string NewKnownPath() => Path.Combine(Directory, $"known-{Guid.NewGuid():N}.txt");

    public static string NewMissingPath() => Path.Combine(Directory, "no-such-dir", $"missing-{Guid.NewGuid():N}");

    private static string Directory { get; } = CreateDirectory();

    private static string CreateDirectory()
    {
        var path = System.IO.Directory.CreateTempSubdirectory("xmon-trace-tests-").FullName;
        AppDomain.CurrentDomain.ProcessExit += (_, _) => System.IO.Directory.Delete(path, recursive: true);
        return path;
    }

    private static string Compile()
    {
        var source = Path.Combine(Directory, "traced.c");
        var binary = Path.Combine(Directory, "traced");
        File.WriteAllText(source, Source);
        var compiler = new[] { "/usr/bin/gcc", "/usr/bin/cc", "/usr/bin/clang" }.FirstOrDefault(File.Exists)
            ?? throw new InvalidOperationException("no C compiler (gcc, cc or clang) in /usr/bin");
        var start = new ProcessStartInfo(compiler) { RedirectStandardError = true };
        foreach (var a in new[] { "-g", "-O0", "-fno-omit-frame-pointer", "-o", binary, source })
            start.ArgumentList.Add(a);
        using var cc = Process.Start(start)!;
        var errors = cc.StandardError.ReadToEnd();
        cc.WaitForExit();
        Assert.True(cc.ExitCode == 0, $"{compiler} failed: {errors}");
        return binary;
    }
}
