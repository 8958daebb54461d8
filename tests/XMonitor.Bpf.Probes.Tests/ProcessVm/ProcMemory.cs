using System.Globalization;

namespace XMonitor.Bpf.Probes.Tests;

/// <summary>A process's own view of its address space: /proc/PID/status and /proc/PID/maps (the VMA lines smaps has too).</summary>
internal sealed class ProcMemory
{
    private ProcMemory(ulong vmSize, ulong vmData, IReadOnlyList<(ulong Start, ulong End, string Perms, string Name)> vmas)
    {
        VmSize = vmSize;
        VmData = vmData;
        Vmas = vmas;
    }

    /// <summary>VmSize in bytes.</summary>
    public ulong VmSize { get; }

    /// <summary>VmData in bytes (private writable mappings: anonymous and the heap).</summary>
    public ulong VmData { get; }

    public IReadOnlyList<(ulong Start, ulong End, string Perms, string Name)> Vmas { get; }

    public static ProcMemory Read(int pid)
    {
        var status = File.ReadAllLines($"/proc/{pid}/status");
        var vmas = new List<(ulong, ulong, string, string)>();
        // smaps' VMA header lines are maps' lines; the rest of smaps (Rss, Pss...) is not needed here.
        foreach (var line in File.ReadLines($"/proc/{pid}/smaps"))
        {
            var fields = line.Split(' ', 6, StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length < 5 || !fields[0].Contains('-') || fields[0].EndsWith(':'))
                continue;
            var range = fields[0].Split('-');
            vmas.Add((Hex(range[0]), Hex(range[1]), fields[1], fields.Length > 5 ? fields[5].Trim() : ""));
        }
        return new ProcMemory(Kilobytes(status, "VmSize:"), Kilobytes(status, "VmData:"), vmas);
    }

    /// <summary>Bytes of [start, start + length) that are mapped, counting only VMAs whose permissions match <paramref name="shared"/>.</summary>
    public ulong MappedIn(ulong start, ulong length, bool shared)
    {
        ulong bytes = 0;
        foreach (var v in Vmas)
        {
            var lo = Math.Max(v.Start, start);
            var hi = Math.Min(v.End, start + length);
            if (hi > lo && (v.Perms[3] == 's') == shared)
                bytes += hi - lo;
        }
        return bytes;
    }

    /// <summary>The size of the [heap] VMA; 0 when the process has none.</summary>
    public ulong Heap => Vmas.Where(v => v.Name == "[heap]").Select(v => v.End - v.Start).FirstOrDefault();

    private static ulong Kilobytes(string[] status, string key)
    {
        var line = status.Single(l => l.StartsWith(key, StringComparison.Ordinal));
        return ulong.Parse(line[key.Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) * 1024;
    }

    private static ulong Hex(string s) => ulong.Parse(s, NumberStyles.HexNumber, CultureInfo.InvariantCulture);
}
