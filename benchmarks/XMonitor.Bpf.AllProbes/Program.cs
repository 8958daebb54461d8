using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using XMonitor.Bpf.AllProbes;
using XMonitor.Bpf.Benchmarks;

// xmon-allprobes [--parallel] [--warm] [--seconds N] [--only Probe,Probe...] [--fs-type TYPE]
// Starts every probe with default options (FsLatency watching TYPE with --fs-type) and prints "start <probe> <ms> <cpu ms>" for each Start
// (load + attach; in this fresh process, JIT included; wall-clock time and the starting thread's
// CPU time, which includes the kernel's verifier) and "start all <ms> <cpu ms>" (the process's CPU
// time, JIT threads included). With --warm it first starts
// and stops every probe once, untimed, so the timed start shows the kernel's and libbpf's share
// without the JIT's. Then it prints "program <probe> <id>" for each attached BPF program and
// the managed heap's size, "ready <pid>", and runs until SIGTERM/SIGINT or N seconds. On stop it prints what each probe
// published, to stderr.
var (parallel, warm, seconds) = (false, false, -1);
string[]? only = null;
var fsType = XMonitor.Bpf.Probes.FsLatency.FsLatencyOptions.Nfs;
for (var i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--parallel":
            parallel = true;
            break;
        case "--warm":
            warm = true;
            break;
        case "--seconds" when i + 1 < args.Length && int.TryParse(args[i + 1], CultureInfo.InvariantCulture, out seconds):
            i++;
            break;
        case "--only" when i + 1 < args.Length && args[i + 1].Split(',') is var names && names.All(AllProbes.Names.Contains):
            only = names;
            i++;
            break;
        case "--fs-type" when i + 1 < args.Length:
            fsType = args[++i];
            break;
        default:
            Console.Error.WriteLine($"usage: xmon-allprobes [--parallel] [--warm] [--seconds N] [--only {string.Join(',', AllProbes.Names)}] [--fs-type TYPE]");
            return 2;
    }
}

if (warm)
{
    foreach (var probe in StartAll(AllProbes.Create(counter: null, only, fsType), parallel).Probes)
        probe.Probe.Dispose();
}
var counter = new ReadingCounter();
var (probes, startTimes, all) = StartAll(AllProbes.Create(counter, only, fsType), parallel);
for (var i = 0; i < probes.Count; i++)
    Console.WriteLine(FormattableString.Invariant($"start {probes[i].Name} {startTimes[i].Wall:F1} {startTimes[i].Cpu:F1}"));
Console.WriteLine(FormattableString.Invariant($"start all {all.Wall:F1} {all.Cpu:F1}"));
foreach (var probe in probes)
{
    foreach (var program in probe.Programs())
        Console.WriteLine($"program {probe.Name} {program.Id}");
}
var gc = GC.GetGCMemoryInfo();
Console.WriteLine(FormattableString.Invariant($"managed heap {gc.HeapSizeBytes / 1048576.0:F1} MB, committed {gc.TotalCommittedBytes / 1048576.0:F1} MB, server GC {System.Runtime.GCSettings.IsServerGC}"));
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

// Starts every probe, one after the other or all at once; wall-clock and CPU milliseconds of each Start and of all.
static (List<StartableProbe> Probes, (double Wall, double Cpu)[] StartTimes, (double Wall, double Cpu) All) StartAll(List<StartableProbe> probes, bool parallel)
{
    var times = new (double Wall, double Cpu)[probes.Count];
    var all = Stopwatch.StartNew();
    var cpu = Environment.CpuUsage.TotalTime;
    if (parallel)
        Parallel.For(0, probes.Count, i => times[i] = TimeStart(probes[i]));
    else
        for (var i = 0; i < probes.Count; i++)
            times[i] = TimeStart(probes[i]);
    return (probes, times, (all.Elapsed.TotalMilliseconds, (Environment.CpuUsage.TotalTime - cpu).TotalMilliseconds));
}

static (double Wall, double Cpu) TimeStart(StartableProbe probe)
{
    var watch = Stopwatch.StartNew();
    var cpu = ThreadCpuTime.Seconds();
    probe.Start();
    return (watch.Elapsed.TotalMilliseconds, (ThreadCpuTime.Seconds() - cpu) * 1e3);
}
