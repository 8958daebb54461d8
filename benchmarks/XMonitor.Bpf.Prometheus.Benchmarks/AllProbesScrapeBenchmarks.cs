using System.Buffers;
using BenchmarkDotNet.Attributes;
using XMonitor.Bpf.Benchmarks;
using XMonitor.Bpf.Probes.BioLatency;
using XMonitor.Bpf.Probes.CacheStat;
using XMonitor.Bpf.Probes.CpuSched;
using XMonitor.Bpf.Probes.FsLatency;
using XMonitor.Bpf.Probes.Napi;
using XMonitor.Bpf.Probes.OomKill;
using XMonitor.Bpf.Probes.ProcessVm;

namespace XMonitor.Bpf.Prometheus.Benchmarks;

/// <summary>
/// One whole scrape with the seven probes running system-wide and their adapters, while
/// <see cref="Processes"/> small processes keep an entry each in the per-process maps (CacheStat's
/// top processes, CpuSched's per-process histograms, ProcessVm's address spaces). Needs root and
/// eBPF. Besides BenchmarkDotNet's wall-clock mean, the thread's CPU time per scrape is printed at
/// cleanup: on a shared VM the wall clock also counts time spent waiting for a CPU.
/// </summary>
[MemoryDiagnoser]
public class AllProbesScrapeBenchmarks
{
    private readonly List<IDisposable> _probes = [];
    private XMonitorMetricsRegistry _registry = null!;
    private ReaderProcesses _readers = null!;
    private ArrayBufferWriter<byte> _output = null!;
    private double _cpuSeconds;
    private long _scrapes;

    /// <summary>Processes with an entry in each per-process map.</summary>
    [Params(100, 1_000)]
    public int Processes { get; set; }

    /// <summary>The exposition format.</summary>
    [Params(ExpositionFormat.PrometheusText, ExpositionFormat.OpenMetrics)]
    public ExpositionFormat Format { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _registry = new XMonitorMetricsRegistry(new XMonitorMetricsOptions { PublishMeters = false });
        var cpu = Keep(new CpuSchedProbe(new CpuSchedOptions { Aggregation = CpuSchedAggregation.Process }));
        var cache = Keep(new CacheStatProbe(new CacheStatOptions { TopProcesses = Processes }));
        var vm = Keep(new ProcessVmProbe(new ProcessVmOptions()));
        var bio = Keep(new BioLatencyProbe(new BioLatencyOptions()));
        var napi = Keep(new NapiProbe(new NapiOptions()));
        var fs = Keep(new FsLatencyProbe(new FsLatencyOptions { FileSystemType = "ext4" }));
        var oom = Keep(new OomKillProbe(new OomKillOptions()));
        // The adapters subscribe before the probes start, as in an application.
        _registry.Add(new CpuSchedMetricsCollector(cpu));
        _registry.Add(new CacheStatMetricsCollector(cache));
        _registry.Add(new ProcessVmMetricsCollector(vm));
        _registry.Add(new BioLatencyMetricsCollector(bio));
        _registry.Add(new NapiMetricsCollector(napi));
        _registry.Add(new FsLatencyMetricsCollector(fs));
        _registry.Add(new OomKillMetricsCollector(oom));
        cpu.Start();
        cache.Start();
        vm.Start();
        bio.Start();
        napi.Start();
        fs.Start();
        oom.Start();
        // Started after the probes, so that ProcessVm sees their address spaces mapped.
        _readers = new ReaderProcesses(Processes);
        // A few intervals with every reader in them.
        Thread.Sleep(TimeSpan.FromSeconds(3));
        _output = new ArrayBufferWriter<byte>(1 << 20);
        // Warm for long enough that the tiered JIT has compiled the optimized code (it waits 100 ms
        // between tiers), so that the costs printed below are a steady scrape's.
        var warm = System.Diagnostics.Stopwatch.StartNew();
        while (warm.Elapsed < TimeSpan.FromSeconds(3))
        {
            _output.ResetWrittenCount();
            _registry.Scrape(_output, Format);
        }
        Console.WriteLine($"// scrape of {_output.WrittenCount} bytes, {System.Text.Encoding.UTF8.GetString(_output.WrittenSpan).Count(c => c == '\n')} lines");
        PrintCostPerAdapter();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        Console.WriteLine($"// CPU per scrape ({Format}): {_cpuSeconds / _scrapes * 1e6:0} us over {_scrapes} scrapes");
        _readers.Dispose();
        _registry.Dispose();
        foreach (var probe in _probes)
            probe.Dispose();
    }

    [Benchmark]
    public int Scrape()
    {
        var start = ThreadCpuTime.Seconds();
        _output.ResetWrittenCount();
        _registry.Scrape(_output, Format);
        _cpuSeconds += ThreadCpuTime.Seconds() - start;
        _scrapes++;
        return _output.WrittenCount;
    }

    /// <summary>Each adapter's own share of a scrape: its thread CPU time and bytes allocated per collection, over 200 collections.</summary>
    private void PrintCostPerAdapter()
    {
        using var buffer = new MetricBuffer(1 << 20);
        var writer = new TextMetricWriter(buffer, Format, includeLegacyNames: false);
        foreach (var collector in _registry.Collectors)
        {
            const int Rounds = 200;
            var cpu = ThreadCpuTime.Seconds();
            var bytes = GC.GetAllocatedBytesForCurrentThread();
            for (var i = 0; i < Rounds; i++)
            {
                buffer.Reset();
                writer.ResetFamilies();
                collector.Collect(writer, CancellationToken.None);
                writer.EndCollector();
            }
            Console.WriteLine($"// {collector.ProbeName}: {(ThreadCpuTime.Seconds() - cpu) / Rounds * 1e6:0} us CPU, {(GC.GetAllocatedBytesForCurrentThread() - bytes) / Rounds} B allocated, {buffer.WrittenSpan.Length} bytes of text per collection");
        }
    }

    private T Keep<T>(T probe)
        where T : IDisposable
    {
        _probes.Add(probe);
        return probe;
    }
}
