using Xunit;
using System.Diagnostics;

namespace XMonitor.Bpf.Tests.Btf;

/// <summary>
/// The test fixture object compiled from bpf/btf_sample.bpf.c (embedded by the build) and the
/// external tools the readers are checked against.
/// </summary>
internal static class SampleObject
{
    private static readonly Lazy<byte[]> Bytes = new(() =>
    {
        using var stream = typeof(SampleObject).Assembly.GetManifestResourceStream("btf_sample.bpf.o")
            ?? throw new InvalidOperationException("btf_sample.bpf.o is not embedded; the BPF build step did not run");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    });

    private static readonly Lazy<string> File = new(() =>
    {
        var path = Path.Combine(Path.GetTempPath(), $"xmonitor-btf-sample-{Environment.ProcessId}.bpf.o");
        System.IO.File.WriteAllBytes(path, Bytes.Value);
        AppDomain.CurrentDomain.ProcessExit += (_, _) => System.IO.File.Delete(path);
        return path;
    });

    /// <summary>The object file's bytes (a fresh copy each time, so tests may mutate it).</summary>
    public static byte[] Data => (byte[])Bytes.Value.Clone();

    /// <summary>The object written to a temporary file for external tools.</summary>
    public static string FilePath => File.Value;

    /// <summary>Runs a tool and returns its standard output, or skips the test when the tool is not installed.</summary>
    public static string Run(string tool, params string[] args)
    {
        var info = new ProcessStartInfo(tool) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args)
            info.ArgumentList.Add(arg);
        Process process;
        try
        {
            process = Process.Start(info) ?? throw new InvalidOperationException($"{tool} did not start");
        }
        catch (System.ComponentModel.Win32Exception)
        {
            Assert.Skip($"{tool} is not installed (apt-get install bpftool llvm)");
            throw;
        }
        using (process)
        {
            var stderr = process.StandardError.ReadToEndAsync();
            var stdout = process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            Assert.True(process.ExitCode == 0, $"{tool} {string.Join(' ', args)} failed ({process.ExitCode}): {stderr.Result}");
            return stdout;
        }
    }
}
