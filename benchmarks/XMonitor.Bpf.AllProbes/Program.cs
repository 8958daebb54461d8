using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using XMonitor.Bpf.AllProbes;

// xmon-allprobes [--parallel] [--seconds N]
// Starts every probe with default options, prints "start <probe> <ms>" for each Start (load +
// attach, in this fresh process: JIT included) and "start all <ms>", "program <probe> <id>" for
// each attached BPF program, then "ready <pid>", and runs
// until SIGTERM/SIGINT or N seconds. On stop it prints what each probe published, to stderr.
var parallel = args.Contains("--parallel");
var seconds = args.SkipWhile(a => a != "--seconds").Skip(1).Select(a => int.Parse(a, CultureInfo.InvariantCulture)).FirstOrDefault(-1);
if (args.Except(["--parallel", "--seconds"]).Any(a => !int.TryParse(a, out _)))
{
    Console.Error.WriteLine("usage: xmon-allprobes [--parallel] [--seconds N]");
    return 2;
}

var counter = new ReadingCounter();
var probes = AllProbes.Create(counter);
var startTimes = new double[probes.Count];
var all = Stopwatch.StartNew();
if (parallel)
    Parallel.For(0, probes.Count, i => startTimes[i] = TimeStart(probes[i]));
else
    for (var i = 0; i < probes.Count; i++)
        startTimes[i] = TimeStart(probes[i]);
all.Stop();
for (var i = 0; i < probes.Count; i++)
    Console.WriteLine(FormattableString.Invariant($"start {probes[i].Name} {startTimes[i]:F1}"));
Console.WriteLine(FormattableString.Invariant($"start all {all.Elapsed.TotalMilliseconds:F1}"));
foreach (var probe in probes)
{
    foreach (var program in probe.Programs())
        Console.WriteLine($"program {probe.Name} {program.Id}");
}
Console.WriteLine($"ready {Environment.ProcessId}");

using var stop = new ManualResetEventSlim();
using var onTerm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; stop.Set(); });
using var onInt = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => { c.Cancel = true; stop.Set(); });
stop.Wait(seconds < 0 ? Timeout.InfiniteTimeSpan : TimeSpan.FromSeconds(seconds));

foreach (var probe in probes)
    probe.Probe.Dispose();
foreach (var (name, count) in counter.Totals)
    Console.Error.WriteLine($"published {name}: {count}");
return 0;

static double TimeStart(StartableProbe probe)
{
    var watch = Stopwatch.StartNew();
    probe.Start();
    return watch.Elapsed.TotalMilliseconds;
}
