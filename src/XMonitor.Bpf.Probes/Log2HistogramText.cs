using System.Globalization;
using System.Text;

namespace XMonitor.Bpf.Probes;

/// <summary>Formats a <see cref="Log2Histogram"/> the way BCC's libbpf-tools do, so outputs can be compared line by line.</summary>
internal static class Log2HistogramText
{
    private const int StarsMax = 40;
    private const int BoundWidth = 10;

    public static string Render(Log2Histogram histogram)
    {
        var label = histogram.Unit switch
        {
            HistogramUnit.Microseconds => "usecs",
            HistogramUnit.Nanoseconds => "nsecs",
            _ => "count",
        };
        var last = -1;
        ulong max = 0;
        for (var i = 0; i < Log2Histogram.SlotCount; i++)
        {
            if (histogram[i] == 0)
                continue;
            last = i;
            max = Math.Max(max, histogram[i]);
        }

        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"{"",5}{label,-19} : count    distribution\n");
        for (var i = 0; i <= last; i++)
        {
            var count = histogram[i];
            text.Append(CultureInfo.InvariantCulture, $"{Log2Histogram.LowBound(i),BoundWidth} -> {Log2Histogram.HighBound(i),-BoundWidth} : {count,-8} |");
            var stars = max == 0 ? 0 : (int)((UInt128)count * StarsMax / max);
            text.Append('*', stars).Append(' ', StarsMax - stars).Append("|\n");
        }
        return text.ToString();
    }
}
