namespace XMonitor.Trace;

/// <summary>xmon-trace's command line.</summary>
internal sealed record TraceOptions
{
    public const string Usage = """
        usage: xmon-trace [options] [--] COMMAND [ARG...]
               xmon-trace [options] -p PID
               xmon-trace [options] -a
        Traces the system calls of COMMAND (started by the tracer), of process PID, or of every
        process (-a). Children forked by a traced process are traced too, like strace -f.
          -e NAME[,NAME...]  trace only these syscalls (default: all)
          -K FUNC[,FUNC...]  trace these kernel functions instead of syscalls (needs kprobes)
          -c                 print only a summary (calls, errors, time per syscall) at the end
          -C                 print the lines and the summary
          -k                 print each call's kernel stack
          -u                 print each call's user stack (symbolized from the mapped ELF files)
          -s SIZE            show at most SIZE bytes of buffers (default 32)
          -o FILE            write the trace to FILE instead of standard error
          --json             one JSON object per line instead of strace-like text
        """;

    public IReadOnlyList<string> Command { get; init; } = [];
    public int? Pid { get; init; }
    public bool All { get; init; }
    public IReadOnlyList<string>? Syscalls { get; init; }
    public IReadOnlyList<string>? KernelFunctions { get; init; }
    public bool Summary { get; init; }
    public bool Lines { get; init; } = true;
    public bool KernelStacks { get; init; }
    public bool UserStacks { get; init; }
    public int StringLimit { get; init; } = 32;
    public string? OutputPath { get; init; }
    public bool Json { get; init; }

    /// <summary>Parses <paramref name="args"/>; null with <paramref name="error"/> set when they are wrong.</summary>
    public static TraceOptions? Parse(IReadOnlyList<string> args, out string? error)
    {
        var options = new TraceOptions();
        error = null;
        var i = 0;
        for (; i < args.Count; i++)
        {
            var a = args[i];
            string? Value() => i + 1 < args.Count ? args[++i] : null;
            switch (a)
            {
                case "--":
                    i++;
                    goto done;
                case "-a": options = options with { All = true }; break;
                case "-c": options = options with { Summary = true, Lines = false }; break;
                case "-C": options = options with { Summary = true, Lines = true }; break;
                case "-k": options = options with { KernelStacks = true }; break;
                case "-u": options = options with { UserStacks = true }; break;
                case "--json": options = options with { Json = true }; break;
                case "-p":
                    if (!int.TryParse(Value(), out var pid) || pid <= 0)
                        return Fail("-p needs a process id", out error);
                    options = options with { Pid = pid };
                    break;
                case "-s":
                    if (!int.TryParse(Value(), out var size) || size < 0)
                        return Fail("-s needs a byte count", out error);
                    options = options with { StringLimit = size };
                    break;
                case "-o":
                    if (Value() is not { } path)
                        return Fail("-o needs a file name", out error);
                    options = options with { OutputPath = path };
                    break;
                case "-e":
                    if (Value() is not { } list)
                        return Fail("-e needs syscall names", out error);
                    var names = list.StartsWith("trace=", StringComparison.Ordinal) ? list[6..] : list;
                    options = options with { Syscalls = names.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) };
                    break;
                case "-K":
                    if (Value() is not { } functions)
                        return Fail("-K needs kernel function names", out error);
                    options = options with { KernelFunctions = functions.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) };
                    break;
                case var _ when a.StartsWith('-'):
                    return Fail($"unknown option {a}", out error);
                default:
                    goto done;
            }
        }
    done:
        options = options with { Command = args.Skip(i).ToArray() };
        var targets = (options.Command.Count > 0 ? 1 : 0) + (options.Pid is null ? 0 : 1) + (options.All ? 1 : 0);
        if (targets != 1)
            return Fail("give exactly one of COMMAND, -p PID or -a", out error);
        if (options.Syscalls is not null && options.KernelFunctions is not null)
            return Fail("give -e (syscalls) or -K (kernel functions), not both", out error);
        if (options.KernelFunctions is { Count: 0 })
            return Fail("-K needs kernel function names", out error);
        return options;
    }

    private static TraceOptions? Fail(string message, out string error)
    {
        error = message;
        return null;
    }
}
