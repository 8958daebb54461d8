using System.Globalization;

namespace XMonitor.Bpf.Prometheus;

/// <summary>
/// The <c>pid, comm</c> labels of a per-process series. Entries carry the pid as a number until
/// <see cref="TopSeries"/> kept them, so that a scrape formats pids only for the series it writes,
/// not for every process of the map.
/// </summary>
internal static class ProcessLabels
{
    /// <summary>The pid of the "other" entry: its <c>pid</c> label is empty.</summary>
    public const int OtherPid = -1;

    public static Label[] Of(int pid, string comm)
        => [new("pid", pid == OtherPid ? "" : pid.ToString(CultureInfo.InvariantCulture)), new("comm", comm)];
}
