using System.Globalization;

namespace XMonitor.Trace;

/// <summary>A process's executable mappings, read from /proc/PID/maps.</summary>
internal sealed class ProcessMaps
{
    private readonly MemoryMapping[] _mappings;

    private ProcessMaps(MemoryMapping[] mappings) => _mappings = mappings;

    /// <summary>Reads the maps of <paramref name="pid"/>; null when the process is gone.</summary>
    public static ProcessMaps? Read(uint pid)
    {
        string[] lines;
        try
        {
            lines = File.ReadAllLines($"/proc/{pid}/maps");
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
        return new ProcessMaps([.. lines.Select(Parse).OfType<MemoryMapping>()]);
    }

    /// <summary>The distinct files mapped.</summary>
    public IEnumerable<string> FilePaths => _mappings.Where(m => m.IsFile).Select(m => m.Path).Distinct();

    public MemoryMapping? Find(ulong address) => Array.Find(_mappings, m => m.Contains(address));

    // 7f12a0c28000-7f12a0dbd000 r-xp 00028000 fe:01 1835 /usr/lib/x86_64-linux-gnu/libc.so.6
    private static MemoryMapping? Parse(string line)
    {
        var fields = line.Split(' ', 6, StringSplitOptions.RemoveEmptyEntries);
        if (fields.Length < 5 || fields[1].Length < 3 || fields[1][2] != 'x')
            return null;
        var range = fields[0].Split('-');
        var path = fields.Length == 6 ? fields[5].Trim() : "[anon]";
        if (path.EndsWith(" (deleted)", StringComparison.Ordinal))
            path = path[..^10];
        return new MemoryMapping(
            ulong.Parse(range[0], NumberStyles.HexNumber, CultureInfo.InvariantCulture),
            ulong.Parse(range[1], NumberStyles.HexNumber, CultureInfo.InvariantCulture),
            ulong.Parse(fields[2], NumberStyles.HexNumber, CultureInfo.InvariantCulture),
            path);
    }
}
