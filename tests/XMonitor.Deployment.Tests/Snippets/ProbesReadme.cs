using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using XMonitor.Bpf.Probes;
using XMonitor.Bpf.Probes.CacheStat;
using XMonitor.Bpf.Probes.CpuSched;
using XMonitor.Bpf.Probes.OomKill;
using XMonitor.Bpf.Probes.ProcessVm;

namespace XMonitor.Deployment.Tests.Snippets;

/// <summary>The C# blocks of src/XMonitor.Bpf.Probes/README.md, compiled (never run; <see cref="ReadmeSnippetTests"/> finds each here).</summary>
internal static class ProbesReadme
{
    public static void ObserveKills()
    {
        using var probe = new OomKillProbe(new OomKillOptions());
        using var printer = probe.Events.Observe(kill => Console.WriteLine($"{kill.Command} ({kill.ProcessId}) was killed"));
        probe.Start();
    }

    static async Task PrintKillsAsync(OomKillProbe probe, CancellationToken cancellationToken)
    {
        await foreach (var kill in probe.Events.ReadAllAsync(cancellationToken: cancellationToken))
            Console.WriteLine($"{kill.Command} ({kill.ProcessId}) was killed in {kill.MemoryCgroupPath}");
    }

    public static Task ReadKillsAsync(OomKillProbe probe, CancellationToken cancellationToken) => PrintKillsAsync(probe, cancellationToken);

    public static void HealthChecks(string[] args)
    {
        var builder = WebApplication.CreateBuilder(args);
        builder.Services.AddOomKillProbe();
        builder.Services.AddCacheStatProbe(o => o.TopProcesses = 5);
        builder.Services.AddHealthChecks().AddProbes();
        var app = builder.Build();
        app.MapHealthChecks("/healthz");
        app.Run();
    }

    public static void CpuSched()
    {
        using var probe = new CpuSchedProbe(new CpuSchedOptions
        {
            Interval = TimeSpan.FromSeconds(5),
            Filter = ProcessFilter.Cgroup("/sys/fs/cgroup/unified/my.slice"),
            HungTaskThreshold = TimeSpan.FromSeconds(2),
        });
        using var histograms = probe.Samples.Observe(reading => Console.Write(reading.Histograms[0].Delta.ToText()));
        using var hung = probe.HungTasks.Observe(e => Console.WriteLine($"{e.Command} ({e.ProcessId}) hung {e.Duration}"));
        probe.Start();   // ArgumentException naming every bad option; BpfException if the kernel refuses
    }

    public static void CacheStat()
    {
        using var probe = new CacheStatProbe(new CacheStatOptions { Interval = TimeSpan.FromSeconds(1), TopProcesses = 5 });
        using var printer = probe.Samples.Observe(s => Console.WriteLine(
            $"{s.System.Hits} {s.System.Misses} {s.System.Dirtied} {s.System.HitRatio:P2} {s.BuffersMegabytes:F0} {s.CachedMegabytes:F0}"));
        probe.Start();
    }

    public static void OomKill()
    {
        using var probe = new OomKillProbe(new OomKillOptions());
        using var printer = probe.Events.Observe(e => Console.WriteLine(
            $"{e.Command} ({e.ProcessId}) killed in {e.MemoryCgroupPath}: {e.Constraint}, anon {e.AnonRssBytes >> 20} MiB"));
        probe.Start();
    }

    public static void ProcessVm(int pid)
    {
        using var probe = new ProcessVmProbe(new ProcessVmOptions { Filter = ProcessFilter.Pid(pid), AllocationThresholdBytes = 64 << 20 });
        using var figures = probe.Samples.Observe(s => { foreach (var p in s.Processes) Console.WriteLine($"{p.Command} anon {p.AnonymousPrivate.CurrentBytes}"); });
        using var allocations = probe.Events.Observe(a => Console.WriteLine($"{a.Command} {a.Operation} {a.Kind} {a.LengthBytes}"));
        probe.Start();
    }
}
