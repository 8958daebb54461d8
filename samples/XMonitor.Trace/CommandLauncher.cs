using System.Diagnostics;

namespace XMonitor.Trace;

/// <summary>
/// Starts a command stopped before its execve, so the tracer can add it to the traced set first:
/// a shell stops itself with SIGSTOP and, once continued, execs the command. The kernel side marks
/// the process "awaiting exec" and shows nothing of it before the command's own execve.
/// </summary>
internal static class CommandLauncher
{
    public static Process StartStopped(IReadOnlyList<string> command)
    {
        var start = new ProcessStartInfo("/bin/sh") { UseShellExecute = false };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add("kill -STOP $$ && exec \"$@\"");
        start.ArgumentList.Add("xmon-trace");
        foreach (var a in command)
            start.ArgumentList.Add(a);
        var process = Process.Start(start) ?? throw new InvalidOperationException("could not start /bin/sh");
        var deadline = Stopwatch.StartNew();
        while (!IsStopped(process.Id))
        {
            if (process.HasExited || deadline.Elapsed > TimeSpan.FromSeconds(10))
                throw new InvalidOperationException($"the launcher shell (pid {process.Id}) did not stop itself");
            Thread.Sleep(1);
        }
        return process;
    }

    public static void Continue(Process process)
    {
        if (Native.Kill(process.Id, Native.SigCont) != 0)
            throw new InvalidOperationException($"could not continue pid {process.Id}");
    }

    // /proc/PID/stat: "pid (comm) S ...", the state after the last ')'.
    private static bool IsStopped(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var state = stat[(stat.LastIndexOf(')') + 2)..];
            return state.StartsWith('T');
        }
        catch (IOException)
        {
            return false;
        }
    }
}
