using System.Globalization;

namespace XMonitor.Bpf.Probes.CacheStat;

/// <summary>The page cache sizes of <c>/proc/meminfo</c> that BCC's cachestat prints.</summary>
internal static class MemInfo
{
    private const string Path = "/proc/meminfo";

    /// <summary>Buffers and Cached in bytes; 0 for a line that is missing or unreadable.</summary>
    public static (ulong Buffers, ulong Cached) Read()
    {
        ulong buffers = 0, cached = 0;
        foreach (var line in File.ReadLines(Path))
        {
            if (line.StartsWith("Buffers:", StringComparison.Ordinal))
                buffers = Kilobytes(line) * 1024;
            else if (line.StartsWith("Cached:", StringComparison.Ordinal))
                cached = Kilobytes(line) * 1024;
        }
        return (buffers, cached);
    }

    /// <summary>Parses <c>Cached:          123456 kB</c>.</summary>
    internal static ulong Kilobytes(string line)
    {
        var value = line.AsSpan(line.IndexOf(':') + 1).Trim();
        var space = value.IndexOf(' ');
        if (space >= 0)
            value = value[..space];
        return ulong.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var kb) ? kb : 0;
    }
}
