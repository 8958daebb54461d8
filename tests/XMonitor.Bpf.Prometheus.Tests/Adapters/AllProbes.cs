using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.DependencyInjection;
using XMonitor.Bpf.Probes.BioLatency;
using XMonitor.Bpf.Probes.CacheStat;
using XMonitor.Bpf.Probes.CpuSched;
using XMonitor.Bpf.Probes.FsLatency;
using XMonitor.Bpf.Probes.Napi;
using XMonitor.Bpf.Probes.OomKill;
using XMonitor.Bpf.Probes.ProcessVm;

namespace XMonitor.Bpf.Prometheus.Tests.Adapters;

/// <summary>Every probe that works on this machine with its adapter, and a little of the work each one watches.</summary>
internal static class AllProbes
{
    /// <summary>The probe names of the seven adapters, in order.</summary>
    public static readonly string[] Names = ["BioLatency", "CacheStat", "CpuSched", "FsLatency", "Napi", "OomKill", "ProcessVm"];

    /// <summary>
    /// Registers the seven probes system-wide and their adapters. The file-system probe watches ext4
    /// (the root file system): there is no NFS here. Every block request is "slow", so the slow-request
    /// series have samples.
    /// </summary>
    public static IServiceCollection Register(IServiceCollection services) => services
        .AddBioLatencyProbe(o => o.SlowThreshold = TimeSpan.FromTicks(1)).AddBioLatencyMetrics()
        .AddCacheStatProbe().AddCacheStatMetrics()
        .AddCpuSchedProbe(o => o.OffCpuThreshold = TimeSpan.FromMilliseconds(100)).AddCpuSchedMetrics()
        .AddFsLatencyProbe(o => o.FileSystemType = "ext4").AddFsLatencyMetrics()
        .AddNapiProbe().AddNapiMetrics()
        .AddOomKillProbe().AddOomKillMetrics()
        .AddProcessVmProbe().AddProcessVmMetrics();

    /// <summary>
    /// Work for the probes' per-event families: page cache reads and a synced write of a file on the
    /// root file system (block I/O, ext4 calls), and UDP datagrams over loopback, which the kernel
    /// receives through the per-CPU backlog's NAPI poll.
    /// </summary>
    public static void Exercise()
    {
        using (var file = new PageCacheFile(4L << 20))
        {
            file.Evict();
            file.Read();
        }
        using var receiver = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        using var sender = new UdpClient();
        var target = (IPEndPoint)receiver.Client.LocalEndPoint!;
        var datagram = new byte[64];
        for (var i = 0; i < 100; i++)
            sender.Send(datagram, target);
    }
}
