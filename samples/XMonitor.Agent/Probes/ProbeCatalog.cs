using Microsoft.Extensions.Logging;
using XMonitor.Agent.Events;
using XMonitor.Bpf.Probes.BioLatency;
using XMonitor.Bpf.Probes.CacheStat;
using XMonitor.Bpf.Probes.CpuSched;
using XMonitor.Bpf.Probes.FsLatency;
using XMonitor.Bpf.Probes.Napi;
using XMonitor.Bpf.Probes.OomKill;
using XMonitor.Bpf.Probes.ProcessVm;
using XMonitor.Bpf.Prometheus;

namespace XMonitor.Agent.Probes;

/// <summary>Every probe of XMonitor.Bpf.Probes the agent runs, in the order it starts them.</summary>
internal static class ProbeCatalog
{
    /// <summary>The probes, by section name in file order.</summary>
    public static IReadOnlyList<ProbeDefinition> All { get; } =
    [
        ProbeDefinition.For<CpuSchedProbe, CpuSchedOptions>(
            "cpu_sched", "CPU scheduling (run-queue latency, off-CPU and hung tasks)",
            s => s.AddCpuSchedProbe(),
            (o, l) => new CpuSchedProbe(o, l.CreateLogger<CpuSchedProbe>()),
            new()
            {
                Start = p => p.Start(),
                StrategyChoice = p => p.StrategyChoice,
                Programs = p => p.GetProgramStatistics(),
                Collector = (p, n) => new CpuSchedMetricsCollector(p, n),
                Events = (p, hub) => [p.OffCpu.Subscribe(hub.Observer<OffCpuEvent>("off_cpu", "cpu_sched")), p.HungTasks.Subscribe(hub.Observer<HungTaskEvent>("hung_task", "cpu_sched"))],
            }),
        ProbeDefinition.For<CacheStatProbe, CacheStatOptions>(
            "cache_stat", "page cache hits and misses",
            s => s.AddCacheStatProbe(),
            (o, l) => new CacheStatProbe(o, l.CreateLogger<CacheStatProbe>()),
            new()
            {
                Start = p => p.Start(),
                StrategyChoice = p => p.StrategyChoice,
                Programs = p => p.Programs.Where(x => x.IsLoaded).ToDictionary(x => x.Name, x => x.GetStatistics()),
                Collector = (p, n) => new CacheStatMetricsCollector(p, n),
            }),
        ProbeDefinition.For<ProcessVmProbe, ProcessVmOptions>(
            "process_vm", "process virtual memory (mmap, brk, munmap)",
            s => s.AddProcessVmProbe(),
            (o, l) => new ProcessVmProbe(o, l.CreateLogger<ProcessVmProbe>()),
            new()
            {
                Start = p => p.Start(),
                StrategyChoice = p => p.StrategyChoice,
                Programs = p => p.GetProgramStatistics(),
                Collector = (p, n) => new ProcessVmMetricsCollector(p, n),
                Events = (p, hub) => [p.Allocations.Subscribe(hub.Observer<ProcessVmEvent>("vm_allocation", "process_vm"))],
            }),
        ProbeDefinition.For<OomKillProbe, OomKillOptions>(
            "oom_kill", "OOM kills",
            s => s.AddOomKillProbe(),
            (o, l) => new OomKillProbe(o, l.CreateLogger<OomKillProbe>()),
            new()
            {
                Start = p => p.Start(),
                StrategyChoice = p => p.StrategyChoice,
                Programs = p => p.GetProgramStatistics(),
                Collector = (p, n) => new OomKillMetricsCollector(p, n),
                Events = (p, hub) => [p.Kills.Subscribe(hub.Observer<OomKillEvent>("oom_kill", "oom_kill"))],
            }),
        ProbeDefinition.For<BioLatencyProbe, BioLatencyOptions>(
            "bio_latency", "block I/O latency",
            s => s.AddBioLatencyProbe(),
            (o, l) => new BioLatencyProbe(o, l.CreateLogger<BioLatencyProbe>()),
            new()
            {
                Start = p => p.Start(),
                StrategyChoice = p => p.StrategyChoice,
                Programs = p => p.GetProgramStatistics(),
                Collector = (p, n) => new BioLatencyMetricsCollector(p, n),
                Events = (p, hub) => [p.SlowRequests.Subscribe(hub.Observer<SlowBlockIoEvent>("slow_block_io", "bio_latency"))],
            }),
        ProbeDefinition.For<NapiProbe, NapiOptions>(
            "napi", "NAPI polling (network receive)",
            s => s.AddNapiProbe(),
            (o, l) => new NapiProbe(o, l.CreateLogger<NapiProbe>()),
            new()
            {
                Start = p => p.Start(),
                StrategyChoice = p => p.StrategyChoice,
                Programs = p => p.GetProgramStatistics(),
                Collector = (p, n) => new NapiMetricsCollector(p, n),
            }),
        ProbeDefinition.For<FsLatencyProbe, FsLatencyOptions>(
            "fs_latency", "file-system operation latency",
            s => s.AddFsLatencyProbe(),
            (o, l) => new FsLatencyProbe(o, l.CreateLogger<FsLatencyProbe>()),
            new()
            {
                Start = p => p.Start(),
                StrategyChoice = p => p.StrategyChoice,
                Programs = p => p.GetProgramStatistics(),
                Collector = (p, n) => new FsLatencyMetricsCollector(p, n),
                Events = (p, hub) => [p.SlowOperations.Subscribe(hub.Observer<SlowFsOperationEvent>("slow_fs_operation", "fs_latency"))],
                Note = p => p.Mounts.Count == 0 ? $"no {p.Options.FileSystemType} file system is mounted: nothing to measure until one is" : null,
            }),
    ];
}
