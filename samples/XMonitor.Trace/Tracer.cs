using System.Diagnostics;
using XMonitor.Bpf;

namespace XMonitor.Trace;

/// <summary>Loads the kernel side, chooses what it traces, and prints what it reports until the target is gone.</summary>
internal sealed class Tracer(TraceOptions options, TextWriter output, TextWriter diagnostics)
{
    private const int MaxSyscalls = 512;
    private const byte TaskActive = 1;
    private const byte TaskAwaitExec = 2;
    private const int InterruptedExitCode = 130;
    private const uint EventHeld = 4;
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(100);

    /// <summary>Traces until the command or process ends, or <paramref name="stop"/>; returns the exit
    /// code to use. Failures of the kernel side (a missing feature) are reported in one line.</summary>
    public int Run(CancellationToken stop)
    {
        try
        {
            return Trace(stop);
        }
        catch (BpfException e)
        {
            diagnostics.WriteLine($"xmon-trace: {e.Message}");
            return 1;
        }
    }

    private int Trace(CancellationToken stop)
    {
        // With -K, kallsyms names the functions to check them and to name the records.
        var kallsyms = options.KernelStacks || options.KernelFunctions is not null ? KernelSymbols.Load() : null;
        KernelFunctions? functions = null;
        HashSet<int> wanted = [];
        if (options.KernelFunctions is { } names)
        {
            functions = KernelFunctions.Find(names, kallsyms!, out var error);
            if (functions is null)
            {
                diagnostics.WriteLine($"xmon-trace: {error}");
                return 2;
            }
            // Before anything is loaded: a kernel without kprobes gets one line naming the feature
            // and has nothing left attached.
            KernelFeatures.Require(KernelFeature.Kprobe, "trace kernel functions (-K)");
        }
        else if (!TryChooseSyscalls(out wanted))
            return 2;
        var kprobes = functions is not null;
        using var open = TraceSkeleton.Open();
        // Only one mode's programs load: the other's may not exist on this kernel (kprobes).
        open.OnSysEnterProgram.Autoload = !kprobes;
        open.OnSysExitProgram.Autoload = !kprobes;
        open.OnKfuncEntryProgram.Autoload = kprobes;
        open.OnKfuncReturnProgram.Autoload = kprobes;
        open.TraceAll = options.All;
        open.SelfTgid = (uint)Environment.ProcessId;
        open.KernelStacks = options.KernelStacks;
        open.UserStacks = options.UserStacks;
        open.EmitEvents = options.Lines;
        var hold = options.UserStacks && options.Lines && !options.All;
        open.HoldAtExit = hold;
        using var skeleton = open.Load();
        for (var nr = 0; nr < MaxSyscalls; nr++)
        {
            if (wanted.Contains(nr))
                skeleton.SpecsMap.Update((uint)nr, SyscallSignatures.ToSpec(SyscallSignatures.Find(CallDecoder.NameOf(nr))));
        }

        using var calls = new Links();
        if (functions is null)
        {
            calls.Add(skeleton.OnSysEnterProgram.Attach());
            calls.Add(skeleton.OnSysExitProgram.Attach());
        }
        else
        {
            // SEC("kprobe") names no function: each one is attached explicitly. Return probes go
            // first, so that no entry recorded while attaching lacks its return (it would stay on
            // the thread's depth and mispair that thread's later returns).
            foreach (var function in functions.Names)
                calls.Add(skeleton.OnKfuncReturnProgram.AttachKretprobe(function));
            foreach (var function in functions.Names)
                calls.Add(skeleton.OnKfuncEntryProgram.AttachKprobe(function));
        }
        using var fork = skeleton.OnForkProgram.Attach();
        using var exec = skeleton.OnExecProgram.Attach();
        using var processExit = skeleton.OnExitProgram.Attach();
        using var reader = skeleton.OpenEventsReader();
        var holdLink = hold ? AttachHold(skeleton) : null;

        // kallsyms is read before the target runs, not at the first record: meanwhile a short-lived
        // process not held at _exit (under -a) would be gone with the /proc/PID/maps its user frames need.
        var symbolizer = options.KernelStacks || options.UserStacks
            ? new StackSymbolizer(skeleton.StacksMap, options.KernelStacks ? kallsyms : null)
            : null;
        var decoder = new CallDecoder(options.StringLimit, symbolizer);
        var writer = new TraceWriter(output, options.Json, options.All);
        void Handle(ref readonly TraceSkeleton.SyscallEvent e)
        {
            if ((e.Flags & EventHeld) != 0)
            {
                // Every earlier record of the process is decoded: let it finish exiting.
                Native.Kill((int)e.Pid, Native.SigCont);
                return;
            }
            var call = functions is null ? decoder.Decode(in e) : decoder.DecodeFunction(in e, functions.NameAt(e.FuncIp));
            writer.Write(call);
            if (call.Name is "execve" or "execveat" && call.Return == 0)
                symbolizer?.Forget(call.Pid);
        }

        Process? child = null;
        Func<bool> finished;
        if (options.Command.Count > 0)
        {
            child = CommandLauncher.StartStopped(options.Command);
            skeleton.TrackedMap.Update((uint)child.Id, TaskAwaitExec);
            CommandLauncher.Continue(child);
            finished = () => child.HasExited;
        }
        else if (options.Pid is { } pid)
        {
            // The kernel side filters by tgid: a thread id given with -p means its whole process.
            if (ThreadGroupOf(pid) is not { } tgid)
            {
                diagnostics.WriteLine($"xmon-trace: no process {pid}");
                return 1;
            }
            skeleton.TrackedMap.Update((uint)tgid, TaskActive);
            finished = () => !Directory.Exists($"/proc/{tgid}");
        }
        else
            finished = () => false;

        try
        {
            while (!finished() && !stop.IsCancellationRequested)
            {
                reader.Consume(Handle);
                writer.Flush();
                reader.Wait(PollInterval, stop);
            }
        }
        finally
        {
            // Detached first, so no process stops itself after the last markers are read.
            holdLink?.Dispose();
            reader.Consume(Handle);
            writer.Flush();
        }

        if (options.Summary)
        {
            if (functions is null)
                SyscallSummary.Write(output, SyscallSummary.Read(skeleton.StatsMap, MaxSyscalls), "syscall");
            else
                SyscallSummary.Write(output, SyscallSummary.ReadFunctions(skeleton.KfuncStatsMap, functions), "function");
        }
        if (skeleton.LostEvents is var lost and > 0)
            diagnostics.WriteLine($"xmon-trace: {lost} calls were not shown: the ring buffer was full");
        // Interrupted (Ctrl-C) while the command runs on: it is left running, like strace leaves it.
        if (child is null || !child.HasExited)
            return child is null ? 0 : InterruptedExitCode;
        return child.ExitCode;
    }

    // The uprobe on the _exit of the libc this process uses (the one traced programs usually map
    // too); without it user frames of short-lived processes may stay unnamed, which is no reason to fail.
    private BpfLink? AttachHold(TraceSkeleton skeleton)
    {
        var libc = ProcessMaps.Read((uint)Environment.ProcessId)?.FilePaths
            .FirstOrDefault(p => Path.GetFileName(p).StartsWith("libc.so", StringComparison.Ordinal));
        try
        {
            return libc is null ? null : skeleton.OnLibcExitProgram.AttachUprobe(libc, "_exit");
        }
        catch (BpfException e)
        {
            diagnostics.WriteLine($"xmon-trace: user frames of processes that exit quickly may be unnamed: {e.Message}");
            return null;
        }
    }

    /// <summary>The links of the call programs, detached together however many functions -K named.</summary>
    private sealed class Links : List<BpfLink>, IDisposable
    {
        public void Dispose()
        {
            foreach (var link in this)
                link.Dispose();
        }
    }

    private static int? ThreadGroupOf(int pid)
    {
        try
        {
            var line = File.ReadLines($"/proc/{pid}/status").FirstOrDefault(l => l.StartsWith("Tgid:", StringComparison.Ordinal));
            return line is null ? null : int.Parse(line[5..].Trim(), System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (IOException)
        {
            return null;
        }
    }

    private bool TryChooseSyscalls(out HashSet<int> wanted)
    {
        if (options.Syscalls is null)
        {
            wanted = [.. Enumerable.Range(0, MaxSyscalls)];
            return true;
        }
        var byName = SyscallNames.ByNumber.ToDictionary(p => p.Value, p => p.Key);
        wanted = [];
        foreach (var name in options.Syscalls)
        {
            if (!byName.TryGetValue(name, out var nr))
            {
                diagnostics.WriteLine($"xmon-trace: unknown syscall '{name}'");
                return false;
            }
            wanted.Add(nr);
        }
        return true;
    }
}
