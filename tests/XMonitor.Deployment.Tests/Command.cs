using System.Diagnostics;

namespace XMonitor.Deployment.Tests;

/// <summary>Runs a command to its end and fails the test, with its output, when it fails.</summary>
internal static class Command
{
    /// <summary>Runs <paramref name="file"/> in <paramref name="directory"/>; returns standard output.</summary>
    public static string Run(string directory, TimeSpan timeout, string file, params string[] arguments)
    {
        var result = TryRun(directory, timeout, file, arguments);
        Assert.True(result.ExitCode == 0, $"{file} {string.Join(' ', arguments)} exited with {result.ExitCode}:\n{result.Output}\n{result.Error}");
        return result.Output;
    }

    /// <summary>Runs <paramref name="file"/> in <paramref name="directory"/>; returns its exit code and both outputs.</summary>
    public static (int ExitCode, string Output, string Error) TryRun(string directory, TimeSpan timeout, string file, params string[] arguments)
    {
        var start = new ProcessStartInfo(file, arguments)
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        // MSBuild nodes kept for reuse would hold the output pipes open after the build ends.
        start.Environment["MSBUILDDISABLENODEREUSE"] = "1";
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"{file} {string.Join(' ', arguments)} did not finish within {timeout}:\n{output.Result}\n{error.Result}");
        }
        return (process.ExitCode, output.Result, error.Result);
    }
}
