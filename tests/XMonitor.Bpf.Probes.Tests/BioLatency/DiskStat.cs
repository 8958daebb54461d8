using System.Globalization;

namespace XMonitor.Bpf.Probes.Tests.BioLatency;

/// <summary>
/// One reading of /sys/block/DISK/stat (the kernel's Documentation/block/stat.rst): completed
/// requests and sectors per operation, counted by the block layer at completion.
/// </summary>
internal sealed record DiskStat(ulong Reads, ulong ReadSectors, ulong Writes, ulong WriteSectors, ulong Discards, ulong Flushes)
{
    public static DiskStat Read(string disk)
    {
        var f = File.ReadAllText($"/sys/block/{disk}/stat").Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .Select(v => ulong.Parse(v, CultureInfo.InvariantCulture)).ToArray();
        // Fields 1, 3, 5, 7, 12 and 16 of stat.rst (1-based); discards and flushes exist since 4.18 and 5.5.
        return new(f[0], f[2], f[4], f[6], f.Length > 11 ? f[11] : 0, f.Length > 15 ? f[15] : 0);
    }

    /// <summary>The requests issued to the driver and not completed yet, reads and writes (flushes count as writes): /sys/block/DISK/inflight.</summary>
    public static (ulong Reads, ulong Writes) InFlight(string disk)
    {
        var f = File.ReadAllText($"/sys/block/{disk}/inflight").Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .Select(v => ulong.Parse(v, CultureInfo.InvariantCulture)).ToArray();
        return (f[0], f[1]);
    }

    public DiskStat Minus(DiskStat earlier)
        => new(Reads - earlier.Reads, ReadSectors - earlier.ReadSectors, Writes - earlier.Writes, WriteSectors - earlier.WriteSectors,
            Discards - earlier.Discards, Flushes - earlier.Flushes);

    /// <summary>The completed requests of <paramref name="operation"/>.</summary>
    public ulong Requests(Probes.BioLatency.BlockIoOperation operation) => operation switch
    {
        Probes.BioLatency.BlockIoOperation.Read => Reads,
        Probes.BioLatency.BlockIoOperation.Write => Writes,
        Probes.BioLatency.BlockIoOperation.Flush => Flushes,
        Probes.BioLatency.BlockIoOperation.Discard => Discards,
        _ => 0,
    };
}
