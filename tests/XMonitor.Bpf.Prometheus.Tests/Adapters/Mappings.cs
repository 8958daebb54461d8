using System.Runtime.InteropServices;

namespace XMonitor.Bpf.Prometheus.Tests.Adapters;

/// <summary>mmap(2) and munmap(2) from the test process itself, so a probe filtered to it sees known lengths.</summary>
internal static partial class Mappings
{
    private const int ProtReadWrite = 0x3;
    private const int MapShared = 0x01;
    private const int MapPrivate = 0x02;
    private const int MapAnonymous = 0x20;

    public static nint MapPrivateAnonymous(nuint length) => Map(length, MapPrivate | MapAnonymous);

    public static nint MapSharedAnonymous(nuint length) => Map(length, MapShared | MapAnonymous);

    public static void Unmap(nint address, nuint length) => Assert.Equal(0, Munmap(address, length));

    private static nint Map(nuint length, int flags)
    {
        var address = Mmap(0, length, ProtReadWrite, flags, -1, 0);
        Assert.NotEqual(-1, address);
        return address;
    }

    [LibraryImport("libc", EntryPoint = "mmap")]
    private static partial nint Mmap(nint address, nuint length, int protection, int flags, int fd, long offset);

    [LibraryImport("libc", EntryPoint = "munmap")]
    private static partial int Munmap(nint address, nuint length);
}
