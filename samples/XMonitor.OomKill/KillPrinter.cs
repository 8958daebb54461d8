using Microsoft.Extensions.Hosting;
using XMonitor.Bpf.Probes.OomKill;

namespace XMonitor.Samples.OomKill;

/// <summary>Prints every kill the probe reports on one line of stdout.</summary>
internal sealed class KillPrinter(OomKillProbe probe) : IHostedService, IObserver<OomKillEvent>
{
    private IDisposable? _subscription;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _subscription = probe.Events.Subscribe(this);
        Console.WriteLine("Tracing OOM kills... Ctrl-C to end.");
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _subscription?.Dispose();
        return Task.CompletedTask;
    }

    public void OnNext(OomKillEvent e)
    {
        var cgroup = e.MemoryCgroupPath ?? (e.MemoryCgroupId == 0 ? "?" : $"id {e.MemoryCgroupId}");
        var constraint = e.ConstraintInferred ? $"{e.Constraint} (inferred)" : e.Constraint.ToString();
        var limit = e.MemoryCgroupLimitBytes > 0 ? $", limit {e.MemoryCgroupLimitBytes >> 20} MiB, usage {e.MemoryCgroupUsageBytes >> 20} MiB" : "";
        Console.WriteLine(
            $"{e.Timestamp.ToLocalTime():HH:mm:ss} Triggered by PID {e.TriggerProcessId} (\"{e.TriggerCommand}\"), OOM kill of PID {e.ProcessId} (\"{e.Command}\"), " +
            $"anon {e.AnonRssBytes >> 10} kB, file {e.FileRssBytes >> 10} kB, shmem {e.ShmemRssBytes >> 10} kB, total_vm {e.TotalVmBytes >> 10} kB, " +
            $"oom_score_adj {e.OomScoreAdjust}, cgroup {cgroup}, constraint {constraint}{limit}");
    }

    public void OnError(Exception error)
    {
    }

    public void OnCompleted()
    {
    }
}
