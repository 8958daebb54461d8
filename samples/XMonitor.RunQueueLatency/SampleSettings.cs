using System.Globalization;
using XMonitor.Bpf.Probes;
using XMonitor.Bpf.Probes.CpuSched;
using XMonitor.Bpf;

namespace XMonitor.Samples.Runqlat;

/// <summary>The command line: BCC runqlat's positional interval and count, plus the probe's options.</summary>
internal sealed class SampleSettings
{
    public const string Usage = """
        usage: xmon-runqlat [options] [interval-seconds [count]]

        Prints run-queue latency histograms like BCC's runqlat, and off-CPU and hung-task events
        as they come.

          --pid PID          only this process (all its threads)
          --pgid PGID        only this process group
          --cgroup PATH      only this cgroup (cgroup v2, or the cgroup v1 memory controller)
          --pidns INODE      only this pid namespace (N of pid:[N] in /proc/PID/ns/pid)
          --ns               histograms in nanoseconds instead of microseconds
          -P, --pids         one histogram per process
          --cgroups          one histogram per cgroup
          --offcpu MS        report threads off a CPU at least MS milliseconds (default 1000, 0: off)
          --hung MS          report threads in D state at least MS milliseconds (default 5000, 0: off)
          --raw-tp           attach as raw_tp even where tp_btf works
          --stats            print the kernel-side cost of each program (run time / runs) at exit
          -h, --help         this text
        """;

    public CpuSchedOptions Probe { get; } = new() { Interval = TimeSpan.FromSeconds(1) };

    /// <summary>How many intervals to print before exiting; 0 runs until Ctrl-C.</summary>
    public int Count { get; private set; }

    public bool Statistics { get; private set; }

    /// <summary>Parses <paramref name="args"/>; throws <see cref="ArgumentException"/> with what is wrong.</summary>
    public static SampleSettings Parse(string[] args)
    {
        var settings = new SampleSettings();
        var positional = new List<string>();
        for (var i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            int Int(string value) => int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var n)
                ? n : throw new ArgumentException($"{args[i - 1]}: '{value}' is not a non-negative integer");
            switch (args[i])
            {
                case "--pid": settings.Probe.Filter = ProcessFilter.Pid(Int(Next())); break;
                case "--pgid": settings.Probe.Filter = ProcessFilter.ProcessGroup(Int(Next())); break;
                case "--cgroup": settings.Probe.Filter = ProcessFilter.Cgroup(Next()); break;
                case "--pidns": settings.Probe.Filter = ProcessFilter.PidNamespace((uint)Int(Next())); break;
                case "--ns": settings.Probe.Unit = HistogramUnit.Nanoseconds; break;
                case "-P" or "--pids": settings.Probe.Aggregation = CpuSchedAggregation.Process; break;
                case "--cgroups": settings.Probe.Aggregation = CpuSchedAggregation.Cgroup; break;
                case "--offcpu": settings.Probe.OffCpuThreshold = TimeSpan.FromMilliseconds(Int(Next())); break;
                case "--hung": settings.Probe.HungTaskThreshold = TimeSpan.FromMilliseconds(Int(Next())); break;
                case "--raw-tp": settings.Probe.AttachStrategy = BpfAttachKind.RawTracepoint; break;
                case "--stats": settings.Statistics = true; break;
                default:
                    if (args[i].StartsWith('-'))
                        throw new ArgumentException($"unknown option {args[i]}");
                    positional.Add(args[i]);
                    break;
            }
        }
        if (positional.Count > 2)
            throw new ArgumentException("at most two positional arguments: interval and count");
        if (positional.Count > 0)
        {
            if (!double.TryParse(positional[0], NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) || seconds <= 0)
                throw new ArgumentException($"interval '{positional[0]}' is not a positive number of seconds");
            settings.Probe.Interval = TimeSpan.FromSeconds(seconds);
        }
        if (positional.Count > 1)
        {
            if (!int.TryParse(positional[1], NumberStyles.None, CultureInfo.InvariantCulture, out var count) || count < 1)
                throw new ArgumentException($"count '{positional[1]}' is not a positive integer");
            settings.Count = count;
        }
        return settings;
    }
}
