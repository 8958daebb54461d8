using System.Diagnostics;

namespace XMonitor.Bpf.Probes.Tests;

/// <summary>
/// A process running native/workload.c: it announces its pid, waits for <see cref="Go"/>, then does
/// what its mode says (see the C file). Compiled once per test run with the system's C compiler.
/// </summary>
internal sealed class Workload : IDisposable
{
    private readonly Process _process;

    private Workload(Process process)
    {
        _process = process;
        var ready = ReadLine();
        Assert.StartsWith("ready ", ready);
        Pid = int.Parse(ready[6..]);
    }

    public int Pid { get; }

    /// <summary>The pid of the process the test started: the workload itself, or the launcher it runs under.</summary>
    public int LauncherPid => _process.Id;

    public static Workload Start(params string[] args) => Start(newProcessGroup: false, [], args);

    /// <summary>
    /// Starts the workload, as the leader of a new process group when <paramref name="newProcessGroup"/>
    /// is set, under the command <paramref name="launcher"/> (for example <c>unshare --pid --fork</c>) when given.
    /// </summary>
    public static Workload Start(bool newProcessGroup, string[] launcher, params string[] args)
    {
        var path = NativeProgram.Build("workload.c", "workload", "-pthread");
        var start = new ProcessStartInfo(launcher.Length > 0 ? launcher[0] : path) { RedirectStandardInput = true, RedirectStandardOutput = true };
        foreach (var a in launcher.Skip(1).Append(path).Skip(launcher.Length > 0 ? 0 : 1).Concat(args))
            start.ArgumentList.Add(a);
        if (newProcessGroup)
            start.Environment["WORKLOAD_SETPGID"] = "1";
        return new Workload(Process.Start(start)!);
    }

    /// <summary>Lets the workload begin.</summary>
    public void Go()
    {
        _process.StandardInput.WriteLine("go");
        _process.StandardInput.Flush();
    }

    public string ReadLine() => _process.StandardOutput.ReadLine() ?? throw new InvalidOperationException("the workload ended early");

    /// <summary>Waits for the end and returns every line printed after "ready".</summary>
    public IReadOnlyList<string> WaitForExit(TimeSpan timeout)
    {
        var lines = new List<string>();
        while (_process.StandardOutput.ReadLine() is { } line)
            lines.Add(line);
        Assert.True(_process.WaitForExit(timeout), "the workload did not end in time");
        Assert.Equal(0, _process.ExitCode);
        return lines;
    }

    public void Dispose()
    {
        if (!_process.HasExited)
            _process.Kill();
        _process.Dispose();
    }
}
