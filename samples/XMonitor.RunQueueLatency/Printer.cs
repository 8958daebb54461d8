using System.Globalization;
using Microsoft.Extensions.Hosting;
using XMonitor.Bpf;
using XMonitor.Bpf.Probes;
using XMonitor.Bpf.Probes.CpuSched;

namespace XMonitor.Samples.Runqlat;

/// <summary>Prints each interval's histograms and each event as BCC's tools do; stops the host after the requested count.</summary>
internal sealed class Printer : IHostedService, IDisposable
{
    private readonly CpuSchedProbe _probe;
    private readonly SampleSettings _settings;
    private readonly IHostApplicationLifetime _lifetime;
    private readonly List<IDisposable> _subscriptions = [];
    private readonly Lock _console = new();
    private IDisposable? _statistics;
    private int _printed;

    public Printer(CpuSchedProbe probe, SampleSettings settings, IHostApplicationLifetime lifetime)
    {
        _probe = probe;
        _settings = settings;
        _lifetime = lifetime;
        // The host creates every hosted service before starting any, so this runs before the
        // probe starts and the first interval is not missed.
        _subscriptions.Add(probe.Samples.Subscribe(new Observer<RunQueueLatency>(Print)));
        _subscriptions.Add(probe.OffCpu.Subscribe(new Observer<OffCpuEvent>(e => Print("OFFCPU", e))));
        _subscriptions.Add(probe.HungTasks.Subscribe(new Observer<HungTaskEvent>(e => Print("HUNG", e))));
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (_settings.Statistics)
            _statistics = BpfRunStatistics.Enable();
        lock (_console)
            Console.WriteLine($"Tracing run queue latency with {_probe.AttachStrategy}... Hit Ctrl-C to end.");
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        if (_settings.Statistics && _probe.IsRunning)
        {
            lock (_console)
            {
                Console.WriteLine("\nprogram                         runs          run time (ns)   ns/run");
                foreach (var (name, s) in _probe.GetProgramStatistics())
                    Console.WriteLine($"{name,-30} {s.RunCount,12} {s.RunTimeNanoseconds,18} {s.AverageNanoseconds,8:0.0}");
            }
        }
        return Task.CompletedTask;
    }

    public void Dispose()
    {
        foreach (var s in _subscriptions)
            s.Dispose();
        _statistics?.Dispose();
    }

    private void Print(RunQueueLatency reading)
    {
        if (_settings.Count > 0 && _printed >= _settings.Count)
            return;
        lock (_console)
        {
            Console.WriteLine();
            Console.WriteLine($"{reading.Timestamp.ToLocalTime():HH:mm:ss} ({reading.Interval.TotalSeconds:0.00} s)");
            foreach (var h in reading.Histograms)
            {
                if (h.Delta.Count == 0 && reading.Aggregation != CpuSchedAggregation.System)
                    continue;
                Console.WriteLine(reading.Aggregation switch
                {
                    CpuSchedAggregation.Process => $"\npid = {h.Key} {Command(h.Key)}",
                    CpuSchedAggregation.Cgroup => $"\ncgroup id = {h.Key}",
                    _ => "",
                });
                Console.Write(h.Delta.ToText());
                Console.WriteLine($"total: {h.Delta.Count} latencies, mean {h.Delta.Mean.ToString("0.0", CultureInfo.InvariantCulture)} {(reading.Unit == HistogramUnit.Microseconds ? "usecs" : "nsecs")}");
            }
        }
        if (_settings.Count > 0 && ++_printed == _settings.Count)
            _lifetime.StopApplication();
    }

    private void Print(string kind, CpuSchedTaskEvent e)
    {
        lock (_console)
            Console.WriteLine($"{kind,-6} {e.Timestamp.ToLocalTime():HH:mm:ss} pid {e.ProcessId,-7} tid {e.ThreadId,-7} {e.Command,-16} {e.Duration.TotalMilliseconds,10:0.0} ms  state {e.State}  cgroup {e.CgroupId}");
    }

    private static string Command(ulong pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/comm").Trim();
        }
        catch (IOException)
        {
            return "(exited)";
        }
    }
}
