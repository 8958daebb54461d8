using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

namespace XMonitor.Bpf.Benchmarks;

/// <summary>
/// Short jobs so the whole suite finishes in a few minutes on a 2-core VM: one launch, few
/// iterations, and in-process (no generated project to build; the benchmarks need root and the
/// embedded BPF object anyway, both of which this process already has).
/// </summary>
internal sealed class ShortBenchConfig : ManualConfig
{
    public ShortBenchConfig()
    {
        Add(DefaultConfig.Instance);
        AddJob(Job.Default
            .WithLaunchCount(1)
            .WithWarmupCount(3)
            .WithIterationCount(7)
            .WithToolchain(InProcessEmitToolchain.Instance));
        AddDiagnoser(MemoryDiagnoser.Default);
        AddColumn(StatisticColumn.OperationsPerSecond);
    }
}
