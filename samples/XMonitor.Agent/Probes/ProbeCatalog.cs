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
        ProbeDefinition.For<CpuSchedProbe, CpuSchedOptions>("cpu_sched", "CPU scheduling (run-queue latency, off-CPU and hung tasks)",
            (o, l) => new(o, l), (p, n) => new CpuSchedMetricsCollector(p, n), (typeof(OffCpuEvent), "off_cpu"), (typeof(HungTaskEvent), "hung_task")),
        ProbeDefinition.For<CacheStatProbe, CacheStatOptions>("cache_stat", "page cache hits and misses",
            (o, l) => new(o, l), (p, n) => new CacheStatMetricsCollector(p, n)),
        ProbeDefinition.For<ProcessVmProbe, ProcessVmOptions>("process_vm", "process virtual memory (mmap, brk, munmap)",
            (o, l) => new(o, l), (p, n) => new ProcessVmMetricsCollector(p, n), (typeof(ProcessVmEvent), "vm_allocation")),
        ProbeDefinition.For<OomKillProbe, OomKillOptions>("oom_kill", "OOM kills",
            (o, l) => new(o, l), (p, n) => new OomKillMetricsCollector(p, n), (typeof(OomKillEvent), "oom_kill")),
        ProbeDefinition.For<BioLatencyProbe, BioLatencyOptions>("bio_latency", "block I/O latency",
            (o, l) => new(o, l), (p, n) => new BioLatencyMetricsCollector(p, n), (typeof(SlowBlockIoEvent), "slow_block_io")),
        ProbeDefinition.For<NapiProbe, NapiOptions>("napi", "NAPI polling (network receive)",
            (o, l) => new(o, l), (p, n) => new NapiMetricsCollector(p, n)),
        ProbeDefinition.For<FsLatencyProbe, FsLatencyOptions>("fs_latency", "file-system operation latency",
            (o, l) => new(o, l), (p, n) => new FsLatencyMetricsCollector(p, n), (typeof(SlowFsOperationEvent), "slow_fs_operation")),
    ];
}
