using XMonitor.Bpf.Probes.FsLatency;

namespace XMonitor.Bpf.Probes.Tests.FsLatency;

/// <summary>An <see cref="FsLoad"/> run recorded by a probe filtered on its pid.</summary>
internal static class FsLoadRecording
{
    /// <summary>
    /// Runs the "ops" mode on <paramref name="path"/> under a probe with <paramref name="options"/>
    /// filtered on the helper's pid, and returns the stopped probe (its strategy and mounts) and its
    /// last reading, whose cumulative counters cover the whole run.
    /// </summary>
    public static (FsLatencyProbe Probe, FsLatencySample Last) Record(string path, FsLatencyOptions options)
    {
        using var load = new FsLoad("ops", path);
        var readings = new Collector<FsLatencySample>();
        options.Filter = ProcessFilter.Pid(load.Pid);
        options.Interval = TimeSpan.FromMilliseconds(100);
        var probe = new FsLatencyProbe(options);
        probe.Samples.Subscribe(readings);
        probe.Start();
        load.Run();
        probe.Dispose();
        return (probe, readings.Items[^1]);
    }
}
