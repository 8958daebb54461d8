using System.Diagnostics;

namespace XMonitor.Bpf.Prometheus.Tests;

/// <summary>Runs the Prometheus tools the tests check against (Debian package prometheus).</summary>
internal static class Tool
{
    public static string Require(string path)
    {
        if (File.Exists(path))
            return path;
        if (Environment.GetEnvironmentVariable("CI") == "true")
            Assert.Fail($"{path} is missing: .ci/setup installs the Debian package prometheus");
        Assert.Skip($"{path} is missing (apt-get install prometheus)");
        return path;
    }

    public static (int ExitCode, string Output) Run(string path, string arguments, string? input = null)
    {
        var start = new ProcessStartInfo(path, arguments)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (input is not null)
            process.StandardInput.Write(input);
        process.StandardInput.Close();
        if (!process.WaitForExit(TimeSpan.FromMinutes(1)))
        {
            process.Kill();
            Assert.Fail($"{path} {arguments} did not finish within a minute");
        }
        return (process.ExitCode, stdout.Result + stderr.Result);
    }
}
