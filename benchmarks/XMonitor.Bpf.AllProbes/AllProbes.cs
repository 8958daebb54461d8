using XMonitor.Bpf.Probes.BioLatency;
using XMonitor.Bpf.Probes.CacheStat;
using XMonitor.Bpf.Probes.CpuSched;
using XMonitor.Bpf.Probes.FsLatency;
using XMonitor.Bpf.Probes.Napi;
using XMonitor.Bpf.Probes.OomKill;
using XMonitor.Bpf.Probes.ProcessVm;

namespace XMonitor.Bpf.AllProbes;

/// <summary>The seven probes of XMonitor.Bpf.Probes with default options, as an agent with every probe on would run them.</summary>
internal static class AllProbes
{
    public static readonly string[] Names = ["CpuSched", "CacheStat", "ProcessVm", "OomKill", "BioLatency", "FsLatency", "Napi"];

    /// <summary>
    /// Creates the named probes (all when <paramref name="only"/> is null), subscribed to <paramref name="counter"/>
    /// if given; FsLatency watches <paramref name="fsType"/> (its default: NFS).
    /// </summary>
    public static List<StartableProbe> Create(ReadingCounter? counter, IReadOnlyCollection<string>? only = null, string fsType = FsLatencyOptions.Nfs)
    {
        var probes = new List<StartableProbe>();
        bool Wanted(string name) => only is null || only.Contains(name);
        if (Wanted("CpuSched"))
        {
            var p = new CpuSchedProbe(new CpuSchedOptions());
            Subscribe(p.Samples, counter, "CpuSched");
            Subscribe(p.OffCpu, counter, "CpuSched events");
            Subscribe(p.HungTasks, counter, "CpuSched events");
            probes.Add(new("CpuSched", p, p.Start, () => p.GetProgramStatistics().Values));
        }
        if (Wanted("CacheStat"))
        {
            var p = new CacheStatProbe(new CacheStatOptions());
            Subscribe(p.Samples, counter, "CacheStat");
            probes.Add(new("CacheStat", p, p.Start, () => p.Links.Select(link => link.Program.GetStatistics())));
        }
        if (Wanted("ProcessVm"))
        {
            var p = new ProcessVmProbe(new ProcessVmOptions());
            Subscribe(p.Samples, counter, "ProcessVm");
            Subscribe(p.Events, counter, "ProcessVm events");
            probes.Add(new("ProcessVm", p, p.Start, () => p.GetProgramStatistics().Values));
        }
        if (Wanted("OomKill"))
        {
            var p = new OomKillProbe(new OomKillOptions());
            Subscribe(p.Events, counter, "OomKill events");
            probes.Add(new("OomKill", p, p.Start, () => p.GetProgramStatistics().Values));
        }
        if (Wanted("BioLatency"))
        {
            var p = new BioLatencyProbe(new BioLatencyOptions());
            Subscribe(p.Samples, counter, "BioLatency");
            Subscribe(p.Events, counter, "BioLatency events");
            probes.Add(new("BioLatency", p, p.Start, () => p.GetProgramStatistics().Values));
        }
        if (Wanted("FsLatency"))
        {
            var p = new FsLatencyProbe(new FsLatencyOptions { FileSystemType = fsType });
            Subscribe(p.Samples, counter, "FsLatency");
            Subscribe(p.Events, counter, "FsLatency events");
            probes.Add(new("FsLatency", p, p.Start, () => p.GetProgramStatistics().Values));
        }
        if (Wanted("Napi"))
        {
            var p = new NapiProbe(new NapiOptions());
            Subscribe(p.Samples, counter, "Napi");
            probes.Add(new("Napi", p, p.Start, () => p.GetProgramStatistics().Values));
        }
        return probes;
    }

    private static void Subscribe<T>(IObservable<T> source, ReadingCounter? counter, string name)
    {
        if (counter is not null)
            source.Subscribe(counter.For<T>(name));
    }
}
