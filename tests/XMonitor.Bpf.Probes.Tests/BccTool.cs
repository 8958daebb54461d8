using System.Collections.Concurrent;
using System.Diagnostics;

namespace XMonitor.Bpf.Probes.Tests;

/// <summary>
/// One of BCC's libbpf-tools (Debian package libbpf-tools) running beside a probe, as a reference:
/// started line-buffered (stdbuf: their stdout is a pipe here, which C's stdio would otherwise hold
/// back until exit) with every line collected on a thread, so a test waits for a line with a
/// deadline instead of blocking on a tool that never prints. Dispose kills it.
/// </summary>
internal sealed class BccTool : IDisposable
{
    private readonly Process _process;
    private readonly BlockingCollection<string> _lines = [];
    private readonly Task<string> _error;

    private BccTool(Process process)
    {
        _process = process;
        _error = process.StandardError.ReadToEndAsync();
        new Thread(() =>
        {
            while (process.StandardOutput.ReadLine() is { } line)
                _lines.Add(line);
            _lines.CompleteAdding();
        }) { IsBackground = true, Name = "BCC tool output" }.Start();
    }

    /// <summary>
    /// Starts <paramref name="name"/> with <paramref name="args"/> and waits up to 30 s for its line
    /// containing <paramref name="ready"/> (it prints one once its programs are attached), or, for a
    /// tool that prints nothing until it ends (null), for its first BPF link. Skips the test when the
    /// tool is not installed or exits first (it cannot attach on this kernel), with its error.
    /// </summary>
    public static BccTool Start(string name, string? ready, params string[] args)
    {
        var path = Tool.Find(name);
        if (path is null)
            Assert.Skip($"BCC's {name} (Debian package libbpf-tools) is not installed");
        var start = new ProcessStartInfo("stdbuf") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in (string[])["-oL", path!, .. args])
            start.ArgumentList.Add(a);
        var tool = new BccTool(Process.Start(start)!);
        if (ready is null)
        {
            for (var i = 0; i < 300 && !tool._process.HasExited; i++)
            {
                if (tool.HasBpfLink())
                    return tool;
                Thread.Sleep(100);
            }
        }
        else
        {
            while (tool.ReadLine(TimeSpan.FromSeconds(30)) is { } line)
            {
                if (line.Contains(ready, StringComparison.Ordinal))
                    return tool;
            }
        }
        tool.Dispose();
        Assert.Skip($"BCC's {name} did not start on this kernel: {tool.Error.Trim()}");
        return tool;
    }

    /// <summary>Whether the tool holds a BPF link (its programs are attached): an fd to anon_inode:bpf_link.</summary>
    private bool HasBpfLink()
    {
        try
        {
            return Directory.EnumerateFileSystemEntries($"/proc/{_process.Id}/fd")
                .Any(fd => new FileInfo(fd).LinkTarget == "anon_inode:bpf_link");
        }
        catch (IOException)
        {
            return false;
        }
    }

    /// <summary>What the tool wrote to stderr, once it exited.</summary>
    public string Error => _error.Wait(TimeSpan.FromSeconds(5)) ? _error.Result : "";

    /// <summary>The next line, or null when the tool ended or printed nothing within <paramref name="timeout"/>.</summary>
    public string? ReadLine(TimeSpan timeout) => _lines.TryTake(out var line, timeout) ? line : null;

    /// <summary>Every line until the tool exits (it must within <paramref name="timeout"/>).</summary>
    public string ReadToEnd(TimeSpan timeout)
    {
        Assert.True(_process.WaitForExit(timeout), $"the BCC tool still ran after {timeout}");
        _process.WaitForExit();
        return string.Join('\n', _lines.GetConsumingEnumerable());
    }

    /// <summary>Stops the tool (SIGKILL: its summary, if any, was read before) and returns what it printed since the last read.</summary>
    public string Stop()
    {
        if (!_process.HasExited)
            _process.Kill();
        return ReadToEnd(TimeSpan.FromSeconds(10));
    }

    public void Dispose()
    {
        if (!_process.HasExited)
            _process.Kill();
        _process.WaitForExit();
        _process.Dispose();
    }
}
