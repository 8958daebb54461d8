using System.Globalization;
using System.Text;
using XMonitor.Bpf.Probes;
using XMonitor.Bpf.Probes.BioLatency;

namespace XMonitor.Samples.Biolatency;

/// <summary>Formats a reading as BCC's biolatency prints an interval.</summary>
internal static class HistogramPrinter
{
    public static string Format(BlockIoLatency reading, bool perDisk, bool queued)
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"\n{reading.Timestamp.ToLocalTime():HH:mm:ss}\n");
        var groups = perDisk
            ? reading.Operations.GroupBy(o => o.Disk.ToString()).ToList()
            : reading.Operations.GroupBy(_ => "").ToList();
        foreach (var group in groups)
        {
            if (group.Key.Length > 0)
            {
                var c = group.Select(o => o.Counters).Aggregate(default(BlockIoCounters), (a, b) => new(a.Requests + b.Requests, a.Errors + b.Errors, a.Bytes + b.Bytes, a.Sequential + b.Sequential, a.Random + b.Random));
                text.Append(CultureInfo.InvariantCulture, $"\ndisk = {group.Key}: {c.Requests} requests, {c.Errors} errors, {c.Bytes / 1024} KiB, {c.SequentialShare:P0} sequential\n");
            }
            text.Append(Sum(group.Select(o => o.ServiceTime), reading.Unit).ToText());
            if (queued)
            {
                text.Append("queued before issue:\n");
                text.Append(Sum(group.Select(o => o.QueueTime), reading.Unit).ToText());
            }
        }
        return text.ToString();
    }

    private static Log2Histogram Sum(IEnumerable<Log2Histogram> histograms, HistogramUnit unit)
    {
        Span<ulong> slots = stackalloc ulong[Log2Histogram.SlotCount];
        ulong sum = 0;
        foreach (var h in histograms)
        {
            for (var i = 0; i < Log2Histogram.SlotCount; i++)
                slots[i] += h[i];
            sum += h.Sum;
        }
        return new Log2Histogram(slots, sum, unit);
    }
}
