using System.Diagnostics;
using XMonitor.Bpf.Probes.CacheStat;

namespace XMonitor.Bpf.Probes.Tests.CacheStat;

/// <summary>A started <see cref="CacheStatProbe"/> that keeps its samples, and the helpers the page cache tests share.</summary>
internal sealed class ProbeRecorder : IDisposable
{
    public ProbeRecorder(CacheStatOptions options)
    {
        BpfEnvironment.Require();
        Probe = new CacheStatProbe(options);
        Probe.Samples.Subscribe(Samples);
        Probe.Start();
    }

    /// <summary>A probe whose interval outlasts the test: its only sample is the one Dispose publishes, covering the whole run.</summary>
    public static ProbeRecorder SingleInterval(ProcessFilter? filter = null, BpfAttachKind? strategy = null)
        => new(new CacheStatOptions { Interval = TimeSpan.FromHours(1), TopProcesses = CacheStatOptions.MaxTopProcesses, Filter = filter ?? ProcessFilter.All, AttachStrategy = strategy });

    public CacheStatProbe Probe { get; }

    public Collector<CacheStatSample> Samples { get; } = new();

    /// <summary>Detaches the probe and returns every sample, the last one covering the end of the run.</summary>
    public IReadOnlyList<CacheStatSample> Stop()
    {
        Probe.Dispose();
        Assert.True(Samples.IsCompleted);
        return Samples.Items;
    }

    public void Dispose() => Probe.Dispose();

    /// <summary>The entries of process <paramref name="pid"/> in <paramref name="samples"/>.</summary>
    public static IReadOnlyList<CacheStatProcess> EntriesOf(IEnumerable<CacheStatSample> samples, int pid)
        => samples.SelectMany(s => s.Processes).Where(p => p.ProcessId == pid).ToArray();

    /// <summary>The one entry of process <paramref name="pid"/> in a single-interval run.</summary>
    public static CacheStatCounts CountsOf(IReadOnlyList<CacheStatSample> samples, int pid)
        => Assert.Single(EntriesOf([Assert.Single(samples)], pid)).Counts;

    /// <summary>Starts <c>dd</c> with <paramref name="args"/>; returns the process to wait for.</summary>
    public static Process StartDd(params string[] args)
    {
        var start = new ProcessStartInfo("dd") { RedirectStandardError = true };
        foreach (var a in args)
            start.ArgumentList.Add(a);
        start.ArgumentList.Add("status=none");
        return Process.Start(start) ?? throw new InvalidOperationException("cannot start dd");
    }

    /// <summary>Runs <c>dd</c> to completion; returns its pid.</summary>
    public static int RunDd(params string[] args)
    {
        using var dd = StartDd(args);
        return Finish(dd);
    }

    public static int Finish(Process dd)
    {
        var error = dd.StandardError.ReadToEnd();
        dd.WaitForExit();
        Assert.True(dd.ExitCode == 0, $"dd failed: {error}");
        return dd.Id;
    }
}
