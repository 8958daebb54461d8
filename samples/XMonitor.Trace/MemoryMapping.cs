namespace XMonitor.Trace;

/// <summary>One line of /proc/PID/maps: an address range and the file (or [name]) mapped there.</summary>
internal sealed record MemoryMapping(ulong Start, ulong End, ulong FileOffset, string Path)
{
    public bool IsFile => Path.StartsWith('/');

    public bool Contains(ulong address) => address >= Start && address < End;
}
