using System.Globalization;
using XMonitor.Bpf.Probes;
using XMonitor.Bpf.Probes.CacheStat;
using XMonitor.Bpf;

namespace XMonitor.Samples.CacheStat;

/// <summary>The command line: BCC cachestat's <c>[interval [count]]</c> plus the probe's options.</summary>
internal sealed class Settings
{
    public const string Usage = """
        usage: xmon-cachestat [-T] [--top N] [--pid PID] [--strategy auto|fentry|kprobe|tracepoint] [interval [count]]

        Prints page cache hits, misses, dirtied pages and the hit ratio every interval (default 1 s),
        count times (default: until Ctrl+C), as BCC's cachestat does.
          -T              print a timestamp on each line
          --top N         also list the N busiest processes of each interval
          --pid PID       count only this process per process (the system line counts all)
          --strategy S    force an attach strategy (default auto: fentry, then kprobe, then tracepoints)
        """;

    public CacheStatOptions Probe { get; } = new() { TopProcesses = 0 };

    public bool Timestamps { get; private set; }

    public int? Count { get; private set; }

    public static Settings Parse(string[] args)
    {
        var settings = new Settings();
        var positional = new List<string>();
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "-T":
                    settings.Timestamps = true;
                    break;
                case "--top":
                    settings.Probe.TopProcesses = Number(args, ++i, "--top");
                    break;
                case "--pid":
                    settings.Probe.Filter = ProcessFilter.Pid(Number(args, ++i, "--pid"));
                    break;
                case "--strategy":
                    settings.Probe.AttachStrategy = Strategy(i + 1 < args.Length ? args[++i] : "");
                    break;
                default:
                    if (args[i].StartsWith('-'))
                        throw new ArgumentException($"unknown option {args[i]}");
                    positional.Add(args[i]);
                    break;
            }
        }
        if (positional.Count > 2)
            throw new ArgumentException("at most two arguments: interval and count");
        if (positional.Count > 0)
            settings.Probe.Interval = TimeSpan.FromSeconds(Number(positional, 0, "interval"));
        if (positional.Count > 1)
            settings.Count = Number(positional, 1, "count");
        return settings;
    }

    private static BpfAttachKind? Strategy(string name) => name switch
    {
        "auto" => null,
        "fentry" => BpfAttachKind.Fentry,
        "kprobe" => BpfAttachKind.Kprobe,
        "tracepoint" or "tp_btf" => BpfAttachKind.BtfRawTracepoint,
        _ => throw new ArgumentException($"--strategy takes auto, fentry, kprobe or tracepoint, not '{name}'"),
    };

    private static int Number(IReadOnlyList<string> args, int index, string what)
    {
        if (index >= args.Count || !int.TryParse(args[index], NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n <= 0)
            throw new ArgumentException($"{what} takes a positive whole number");
        return n;
    }
}
