using System.Diagnostics;

namespace XMonitor.Bpf.Probes.Tests.FsLatency;

/// <summary>
/// A process doing a known set of file operations (fsload.c, compiled once per test run): it prints
/// "ready PID", waits for "go" on stdin, does what its mode says, prints "done" and exits. Its own
/// start-up (the loader opening libc) is over before the probe, filtered by its pid, starts.
/// </summary>
internal sealed class FsLoad : IDisposable
{
    public const int Opens = 3;
    public const int Writes = 10;
    public const int Reads = 10;
    public const int BlockSize = 4096;
    public const int Fsyncs = 3;
    public const int Getattrs = 3;
    public const int FifoDelayMs = 200;

    private readonly Process _process;

    /// <summary>Starts fsload.c's <paramref name="mode"/> (see the C file) on <paramref name="path"/>.</summary>
    public FsLoad(string mode, string path)
    {
        var start = new ProcessStartInfo(NativeProgram.Build("fsload.c", Command)) { RedirectStandardInput = true, RedirectStandardOutput = true };
        start.ArgumentList.Add(mode);
        start.ArgumentList.Add(path);
        _process = Process.Start(start)!;
        var ready = _process.StandardOutput.ReadLine() ?? "";
        Assert.StartsWith("ready ", ready);
        Pid = int.Parse(ready[6..]);
    }

    /// <summary>The binary's name, which is the process's comm.</summary>
    public const string Command = "fsload";

    public int Pid { get; }

    /// <summary>Lets the process do its operations and waits until it is done.</summary>
    public void Run()
    {
        _process.StandardInput.WriteLine("go");
        _process.StandardInput.Flush();
        Assert.Equal("done", _process.StandardOutput.ReadLine());
        Assert.True(_process.WaitForExit(10_000));
        Assert.Equal(0, _process.ExitCode);
    }

    public void Dispose()
    {
        if (!_process.HasExited)
            _process.Kill();
        _process.Dispose();
    }
}
