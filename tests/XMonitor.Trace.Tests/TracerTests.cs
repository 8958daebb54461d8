using System.Diagnostics;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace XMonitor.Trace.Tests;

/// <summary>The tracer against the real kernel, on the compiled test program.</summary>
[Collection(TraceCollection.Name)]
public sealed partial class TracerTests
{
    [Fact]
    public void Command_ShowsPathsBytesFdsAndErrors()
    {
        var (known, missing) = (TestProgram.NewKnownPath(), TestProgram.NewMissingPath());
        var run = TraceRun.Start(["-e", "openat,write,close,exit_group", TestProgram.Executable, known, missing], TestContext.Current.CancellationToken);

        Assert.Equal(0, run.ExitCode);
        var calls = run.Lines.Select(StripDuration).ToList();
        var open = calls.IndexOf($"openat(AT_FDCWD, \"{known}\", O_WRONLY|O_CREAT|O_TRUNC|O_CLOEXEC, 0644) = 3");
        Assert.True(open >= 0, run.Output);
        Assert.Equal(
            [
                "write(3, \"hello xmon\\n\", 11) = 11",
                "close(3) = 0",
                $"openat(AT_FDCWD, \"{missing}\", O_RDONLY) = -1 ENOENT (No such file or directory)",
                "exit_group(0) = ?",
            ],
            calls[(open + 1)..]);
        Assert.Equal(TestProgram.Written, File.ReadAllText(known));
        Assert.All(run.Lines.Where(l => !l.StartsWith("exit_group", StringComparison.Ordinal)), l => Assert.Matches(DurationPattern(), l));
    }

    [Fact]
    public void Command_BufferLimitAndExitCode()
    {
        var (known, missing) = (TestProgram.NewKnownPath(), TestProgram.NewMissingPath());
        var run = TraceRun.Start(["-s", "5", "-e", "write", TestProgram.Executable, known, missing], TestContext.Current.CancellationToken);
        Assert.Equal(["write(3, \"hello\"..., 11) = 11"], run.Lines.Select(StripDuration));

        var failing = TraceRun.Start(["-e", "exit_group", "/bin/sh", "-c", "exit 7"], TestContext.Current.CancellationToken);
        Assert.Equal(7, failing.ExitCode);
        Assert.Equal(["exit_group(7) = ?"], failing.Lines);
    }

    [Fact]
    public void Command_SequenceMatchesStrace()
    {
        if (!File.Exists("/usr/bin/strace"))
            Assert.Skip("strace is not installed (Debian package strace)");
        var (known, missing) = (TestProgram.NewKnownPath(), TestProgram.NewMissingPath());
        const string Syscalls = "openat,read,pread64,write,close,mmap,mprotect,munmap,access,brk,exit_group";

        var ours = TraceRun.Start(["-e", Syscalls, TestProgram.Executable, known, missing], TestContext.Current.CancellationToken).Lines.Select(StripDuration).ToList();
        var log = Path.GetTempFileName();
        try
        {
            var start = new ProcessStartInfo("/usr/bin/strace");
            foreach (var a in new[] { "-qq", "-e", "trace=" + Syscalls, "-o", log, TestProgram.Executable, known, missing })
                start.ArgumentList.Add(a);
            using (var strace = Process.Start(start)!)
                strace.WaitForExit();
            var theirs = File.ReadAllLines(log).Select(l => StraceAlignment().Replace(l, " = ")).ToList();

            // Addresses differ between runs (ASLR): compare with hex numbers masked.
            Assert.Equal(theirs.Select(MaskAddresses), ours.Select(MaskAddresses));
            Assert.Contains(theirs, l => l.Contains(known, StringComparison.Ordinal));
            Assert.True(theirs.Count >= 20, $"strace saw only {theirs.Count} calls");
        }
        finally
        {
            File.Delete(log);
        }
    }

    [Fact]
    public void Children_SameCallsPerProcessAsStraceF()
    {
        if (!File.Exists("/usr/bin/strace"))
            Assert.Skip("strace is not installed (Debian package strace)");
        var (known1, known2, missing) = (TestProgram.NewKnownPath(), TestProgram.NewKnownPath(), TestProgram.NewMissingPath());
        var script = $"{TestProgram.Executable} {known1} {missing}; {TestProgram.Executable} {known2} {missing}";
        const string Syscalls = "openat,write,close";

        var ours = TraceRun.Start(["-e", Syscalls, "/bin/sh", "-c", script], TestContext.Current.CancellationToken).Lines
            .Select(l => PidPrefix().Match(l) is { Success: true } m ? (m.Groups[1].Value, l[m.Length..]) : ("first", l))
            .Select(p => (p.Item1, StripDuration(p.Item2)));
        var log = Path.GetTempFileName();
        try
        {
            var start = new ProcessStartInfo("/usr/bin/strace");
            foreach (var a in new[] { "-f", "-qq", "-e", "signal=none", "-e", "trace=" + Syscalls, "-o", log, "/bin/sh", "-c", script })
                start.ArgumentList.Add(a);
            using (var strace = Process.Start(start)!)
                strace.WaitForExit();
            var theirs = File.ReadAllLines(log).Select(l => StracePid().Match(l))
                .Select(m => (m.Groups[1].Value, StraceAlignment().Replace(m.Groups[2].Value, " = ")));

            var perProcess = Group(theirs);
            Assert.Equal(3, perProcess.Count);
            Assert.Equal(perProcess, Group(ours));
        }
        finally
        {
            File.Delete(log);
        }

        // Processes in order of their first call, each with its calls in order (pids differ between runs;
        // until a second task shows up the tracer prints no prefix, and those lines are the first process's).
        static List<List<string>> Group(IEnumerable<(string Pid, string Call)> calls)
        {
            var order = new List<string>();
            var byPid = new Dictionary<string, List<string>>();
            foreach (var (pid, call) in calls)
            {
                var key = pid == "first" || order.Count == 0 ? order.FirstOrDefault() ?? pid : pid;
                if (!byPid.TryGetValue(key, out var list))
                {
                    order.Add(key);
                    byPid[key] = list = [];
                }
                list.Add(call);
            }
            return [.. order.Select(p => byPid[p])];
        }
    }

    [Fact]
    public void Summary_CountsEqualTheCallsShown()
    {
        var (known, missing) = (TestProgram.NewKnownPath(), TestProgram.NewMissingPath());
        var run = TraceRun.Start(["-C", "-e", "openat,write,close,read,mmap", TestProgram.Executable, known, missing], TestContext.Current.CancellationToken);

        var lines = run.Lines;
        var header = Array.FindIndex(lines, l => l.StartsWith("% time", StringComparison.Ordinal));
        Assert.True(header > 0, run.Output);
        var shown = lines[..header].Select(l => l[..l.IndexOf('(', StringComparison.Ordinal)]).GroupBy(n => n)
            .ToDictionary(g => g.Key, g => g.Count());
        var failed = lines[..header].Where(l => l.Contains(") = -1 ", StringComparison.Ordinal))
            .Select(l => l[..l.IndexOf('(', StringComparison.Ordinal)]).GroupBy(n => n).ToDictionary(g => g.Key, g => g.Count());
        var rows = lines[(header + 2)..].TakeWhile(l => !l.StartsWith("---", StringComparison.Ordinal))
            .Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)).ToList();

        Assert.Equal(shown.OrderBy(p => p.Key), rows.Select(r => KeyValuePair.Create(r[^1], int.Parse(r[3]))).OrderBy(p => p.Key));
        foreach (var r in rows)
            Assert.Equal(failed.GetValueOrDefault(r[^1]), r.Length == 6 ? int.Parse(r[4]) : 0);
        Assert.True(shown["openat"] >= 4 && failed["openat"] >= 1, run.Output);
        var total = lines[^1].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("total", total[^1]);
        Assert.Equal(shown.Values.Sum(), int.Parse(total[3]));
    }

    [Fact]
    public void SummaryOnly_PrintsNoLines()
    {
        var (known, missing) = (TestProgram.NewKnownPath(), TestProgram.NewMissingPath());
        var run = TraceRun.Start(["-c", "-e", "openat,write", TestProgram.Executable, known, missing], TestContext.Current.CancellationToken);

        Assert.StartsWith("% time", run.Lines[0], StringComparison.Ordinal);
        var write = run.Lines.Single(l => l.EndsWith(" write", StringComparison.Ordinal)).Split(' ', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("1", write[3]);
    }

    [Fact]
    public void Json_CarriesDecodedAndRawValues()
    {
        var (known, missing) = (TestProgram.NewKnownPath(), TestProgram.NewMissingPath());
        var run = TraceRun.Start(["--json", "-e", "openat,write", TestProgram.Executable, known, missing], TestContext.Current.CancellationToken);

        var records = run.Lines.Select(l => JsonDocument.Parse(l).RootElement).ToList();
        var failed = records.Single(r => r.GetProperty("args")[1].GetString() == $"\"{missing}\"");
        Assert.Equal("openat", failed.GetProperty("syscall").GetString());
        Assert.Equal(257, failed.GetProperty("nr").GetInt32());
        Assert.Equal(-2, failed.GetProperty("ret").GetInt64());
        Assert.Equal("ENOENT", failed.GetProperty("error").GetString());
        var write = records.Single(r => r.GetProperty("syscall").GetString() == "write");
        Assert.Equal(11, write.GetProperty("ret").GetInt64());
        Assert.Equal(11UL, write.GetProperty("raw_args")[2].GetUInt64());
        Assert.Equal("traced", write.GetProperty("comm").GetString());
        Assert.True(write.GetProperty("duration_ns").GetUInt64() > 0);
    }

    [Fact]
    public void Pid_TracesARunningProcess()
    {
        var (known, missing) = (TestProgram.NewKnownPath(), TestProgram.NewMissingPath());
        var start = new ProcessStartInfo(TestProgram.Executable) { ArgumentList = { known, missing, "1500" } };
        using var traced = Process.Start(start)!;
        var run = TraceRun.Start(["-e", "openat,write", "-p", traced.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)], TestContext.Current.CancellationToken);

        Assert.True(traced.HasExited);
        Assert.Equal(
            [
                $"openat(AT_FDCWD, \"{known}\", O_WRONLY|O_CREAT|O_TRUNC|O_CLOEXEC, 0644) = 3",
                "write(3, \"hello xmon\\n\", 11) = 11",
                $"openat(AT_FDCWD, \"{missing}\", O_RDONLY) = -1 ENOENT (No such file or directory)",
            ],
            run.Lines.Select(StripDuration));
    }

    [Fact]
    public void Command_FollowsChildren()
    {
        var (known1, known2, missing) = (TestProgram.NewKnownPath(), TestProgram.NewKnownPath(), TestProgram.NewMissingPath());
        var script = $"{TestProgram.Executable} {known1} {missing}; {TestProgram.Executable} {known2} {missing}";
        var run = TraceRun.Start(["-e", "openat", "/bin/sh", "-c", script], TestContext.Current.CancellationToken);

        var opens = run.Lines.Where(l => l.Contains(known1, StringComparison.Ordinal) || l.Contains(known2, StringComparison.Ordinal)).ToList();
        Assert.Equal(2, opens.Count);
        var pids = opens.Select(l => PidPrefix().Match(l)).ToList();
        Assert.All(pids, m => Assert.True(m.Success, run.Output));
        Assert.NotEqual(pids[0].Groups[1].Value, pids[1].Groups[1].Value);
    }

    [Fact]
    public async Task All_SeesOtherProcessesWithPids()
    {
        var (known, missing) = (TestProgram.NewKnownPath(), TestProgram.NewMissingPath());
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        var tracing = Task.Run(() => TraceRun.Start(["-a", "-e", "openat"], stop.Token));
        await Task.Delay(TimeSpan.FromSeconds(1.5), TestContext.Current.CancellationToken);
        var start = new ProcessStartInfo(TestProgram.Executable) { ArgumentList = { known, missing } };
        using (var traced = Process.Start(start)!)
        {
            await traced.WaitForExitAsync(TestContext.Current.CancellationToken);
            await stop.CancelAsync();
            var run = await tracing;

            var line = Assert.Single(run.Lines, l => l.Contains(known, StringComparison.Ordinal));
            Assert.StartsWith($"[pid {traced.Id,5}] openat(AT_FDCWD, \"{known}\"", line, StringComparison.Ordinal);
            Assert.DoesNotContain(run.Lines, l => l.Contains($"[pid {Environment.ProcessId,5}]", StringComparison.Ordinal));
        }
    }

    [Fact]
    public void Stacks_NameTheSyscallEntryLibcAndTheProgramsOwnFunctions()
    {
        var (known, missing) = (TestProgram.NewKnownPath(), TestProgram.NewMissingPath());
        var run = TraceRun.Start(["-k", "-u", "-e", "openat", TestProgram.Executable, known, missing], TestContext.Current.CancellationToken);

        var lines = run.Lines;
        var open = Array.FindIndex(lines, l => l.StartsWith($"openat(AT_FDCWD, \"{known}\"", StringComparison.Ordinal));
        Assert.True(open >= 0, run.Output);
        var frames = lines[(open + 1)..].TakeWhile(l => l.StartsWith(" > ", StringComparison.Ordinal)).ToList();
        var kernel = frames.Where(f => f.StartsWith(" > [k] ", StringComparison.Ordinal)).Select(f => f[7..]).ToList();
        var user = frames.Where(f => f.StartsWith(" > [u] ", StringComparison.Ordinal)).Select(f => f[7..]).ToList();

        Assert.Contains(kernel, f => f.StartsWith("do_syscall_64+", StringComparison.Ordinal));
        Assert.StartsWith("entry_SYSCALL_64", kernel[^1], StringComparison.Ordinal);
        Assert.Matches(@"^(__libc_)?_*open(64)?(_nocancel)?\+0x[0-9a-f]+ \(libc\.so\.6\)$", user[0]);
        Assert.Matches(@"^open_known_file\+0x[0-9a-f]+ \(traced\) ", user[1]);
        Assert.EndsWith($" {TestProgram.SourcePath}:{TestProgram.LineOf("return open(path")}", user[1], StringComparison.Ordinal);
        Assert.Matches(@"^main\+0x[0-9a-f]+ \(traced\) ", user[2]);
        Assert.EndsWith($" {TestProgram.SourcePath}:{TestProgram.LineOf("fd = open_known_file(")}", user[2], StringComparison.Ordinal);
        Assert.Contains(user, f => f.StartsWith("__libc_start_main+", StringComparison.Ordinal));
        // The program exits right after its calls; its frames are named because it was held at _exit.
        Assert.DoesNotContain(run.Lines, l => l.StartsWith(" > [u] 0x", StringComparison.Ordinal));
    }

    private static string StripDuration(string line) => DurationPattern().Replace(line, "");

    private static string MaskAddresses(string line) => HexNumber().Replace(line, "0x?");

    [GeneratedRegex(@" <\d+\.\d{6}>$")]
    private static partial Regex DurationPattern();

    [GeneratedRegex(@"\s+= ")]
    private static partial Regex StraceAlignment();

    [GeneratedRegex(@"0x[0-9a-f]+")]
    private static partial Regex HexNumber();

    [GeneratedRegex(@"^\[pid +(\d+)\] ")]
    private static partial Regex PidPrefix();

    [GeneratedRegex(@"^(\d+) +(.*)$")]
    private static partial Regex StracePid();
}
