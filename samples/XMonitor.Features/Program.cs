// Prints what the running kernel offers to eBPF programs, the way `bpftool feature probe` does for
// the features XMonitor.Bpf's probes choose their attach strategy by; with --probes, also starts
// each probe with its default options and prints the strategy it chose, why, and what failed first.
using XMonitor.Bpf;
using XMonitor.Bpf.Probes;
using XMonitor.Bpf.Probes.BioLatency;
using XMonitor.Bpf.Probes.CacheStat;
using XMonitor.Bpf.Probes.CpuSched;
using XMonitor.Bpf.Probes.FsLatency;
using XMonitor.Bpf.Probes.Napi;
using XMonitor.Bpf.Probes.OomKill;
using XMonitor.Bpf.Probes.ProcessVm;

if (args is not ([] or ["--probes"]))
{
    Console.Error.WriteLine("usage: xmon-features [--probes]");
    return 2;
}

Console.WriteLine($"kernel {Environment.OSVersion.Version}, {BpfMap.PossibleCpus} possible CPUs");
foreach (var status in KernelFeatures.CheckAll())
{
    var mark = status.Support switch
    {
        FeatureSupport.Supported => "yes",
        FeatureSupport.NotSupported => "no ",
        _ => "?  ",
    };
    Console.WriteLine($"  {mark}  {status.Feature,-17} {status.Reason}");
}
if (args is not ["--probes"])
    return 0;

Console.WriteLine();
Console.WriteLine("probe strategies (default options):");
var failed = 0;
failed += Report("cpu_sched", () => new CpuSchedProbe(new CpuSchedOptions()), p => p.Start(), p => p.StrategyChoice);
failed += Report("cache_stat", () => new CacheStatProbe(new CacheStatOptions()), p => p.Start(), p => p.StrategyChoice);
failed += Report("process_vm", () => new ProcessVmProbe(new ProcessVmOptions()), p => p.Start(), p => p.StrategyChoice);
failed += Report("oom_kill", () => new OomKillProbe(new OomKillOptions()), p => p.Start(), p => p.StrategyChoice);
failed += Report("bio_latency", () => new BioLatencyProbe(new BioLatencyOptions()), p => p.Start(), p => p.StrategyChoice);
failed += Report("napi", () => new NapiProbe(new NapiOptions { MeasurePollTime = true }), p => p.Start(), p => p.StrategyChoice);
failed += Report("fs_latency (nfs)", () => new FsLatencyProbe(new FsLatencyOptions()), p => p.Start(), p => p.StrategyChoice);
failed += Report("fs_latency (ext4)", () => new FsLatencyProbe(new FsLatencyOptions { FileSystemType = "ext4" }), p => p.Start(), p => p.StrategyChoice);
return failed == 0 ? 0 : 1;

// One line per probe: "  name  strategy  reason", or the error that kept it from starting.
static int Report<T>(string name, Func<T> create, Action<T> start, Func<T, BpfAttachChoice?> choice)
    where T : IDisposable
{
    using var probe = create();
    try
    {
        start(probe);
        var chosen = choice(probe)!;
        Console.WriteLine($"  {name,-18} {chosen.Name,-14} {chosen.Reason}");
        foreach (var failure in chosen.Failures)
            Console.WriteLine($"  {"",-18} {"",-14} after {failure}");
        return 0;
    }
    catch (BpfException e)
    {
        Console.WriteLine($"  {name,-18} {"FAILED",-14} {e.Message}");
        return 1;
    }
}
