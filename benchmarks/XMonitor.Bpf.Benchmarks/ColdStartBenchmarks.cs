using BenchmarkDotNet.Attributes;
using XMonitor.Bpf.AllProbes;

namespace XMonitor.Bpf.Benchmarks;

/// <summary>
/// Start of each probe (open + load + attach, with the probe's own strategy checks) and of all
/// seven one after the other, default options. Each iteration creates new probes and disposes them
/// afterwards, untimed; the JIT has compiled everything after the warm-up, so this is the kernel's
/// and libbpf's share of a cold start (benchmarks/run.sh coldstart times the first start in a fresh
/// process as well).
/// </summary>
[MemoryDiagnoser]
public class ColdStartBenchmarks
{
    private List<StartableProbe> _probes = [];

    /// <summary>One probe by name, or "all".</summary>
    [ParamsSource(nameof(ProbeSets))]
    public string Probes { get; set; } = "all";

    public static IEnumerable<string> ProbeSets => [.. AllProbes.AllProbes.Names, "all"];

    [IterationSetup]
    public void Create() => _probes = AllProbes.AllProbes.Create(counter: null, only: Probes == "all" ? null : [Probes]);

    [Benchmark]
    public void Start()
    {
        foreach (var probe in _probes)
            probe.Start();
    }

    [IterationCleanup]
    public void Stop()
    {
        foreach (var probe in _probes)
            probe.Probe.Dispose();
    }
}
