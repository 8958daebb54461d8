using System.Runtime.InteropServices;

namespace XMonitor.Bpf.Interop;

/// <summary>The few libc calls the SDK makes itself: mmap for the ring buffer, epoll for waiting,
/// vsnprintf for libbpf's printf-style log callback, stat for inode numbers (cgroup ids).</summary>
internal static unsafe partial class LibC
{
    private const string Lib = "libc";

    internal const int PROT_READ = 0x1;
    internal const int PROT_WRITE = 0x2;
    internal const int MAP_SHARED = 0x01;
    internal static readonly nint MAP_FAILED = -1;

    internal const int EPOLL_CLOEXEC = 0x80000;
    internal const int EPOLL_CTL_ADD = 1;
    internal const uint EPOLLIN = 0x001;

    internal const int EFD_CLOEXEC = 0x80000;
    internal const int EFD_NONBLOCK = 0x800;

    // struct stat is 144 bytes on x86-64 and 128 on arm64; st_ino follows the 8-byte st_dev on both.
    private const int StatBufferSize = 256;
    private const int StatInodeOffset = 8;

    /// <summary>The inode number of <paramref name="path"/> (.NET has no managed API for it); false with errno in the last P/Invoke error.</summary>
    internal static bool TryGetInode(string path, out ulong inode)
    {
        var buffer = stackalloc byte[StatBufferSize];
        inode = Stat(path, buffer) == 0 ? *(ulong*)(buffer + StatInodeOffset) : 0;
        return inode != 0;
    }

    [LibraryImport(Lib, EntryPoint = "stat", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Stat(string path, byte* buffer);

    [LibraryImport(Lib, EntryPoint = "mmap", SetLastError = true)]
    internal static partial nint Mmap(nint addr, nuint length, int prot, int flags, int fd, nint offset);

    [LibraryImport(Lib, EntryPoint = "munmap", SetLastError = true)]
    internal static partial int Munmap(nint addr, nuint length);

    [LibraryImport(Lib, EntryPoint = "epoll_create1", SetLastError = true)]
    internal static partial int EpollCreate1(int flags);

    [LibraryImport(Lib, EntryPoint = "epoll_ctl", SetLastError = true)]
    internal static partial int EpollCtl(int epfd, int op, int fd, EpollEvent* ev);

    [LibraryImport(Lib, EntryPoint = "epoll_wait", SetLastError = true)]
    internal static partial int EpollWait(int epfd, EpollEvent* events, int maxEvents, int timeoutMs);

    [LibraryImport(Lib, EntryPoint = "eventfd", SetLastError = true)]
    internal static partial int EventFd(uint initval, int flags);

    [LibraryImport(Lib, EntryPoint = "write", SetLastError = true)]
    internal static partial nint Write(int fd, void* buf, nuint count);

    [LibraryImport(Lib, EntryPoint = "read", SetLastError = true)]
    internal static partial nint Read(int fd, void* buf, nuint count);

    private const int F_DUPFD_CLOEXEC = 1030;

    [LibraryImport(Lib, EntryPoint = "fcntl", SetLastError = true)]
    private static partial int Fcntl(int fd, int command, int argument);

    /// <summary>A new close-on-exec descriptor for what <paramref name="fd"/> refers to (fcntl F_DUPFD_CLOEXEC), or -1.</summary>
    internal static int Duplicate(int fd) => Fcntl(fd, F_DUPFD_CLOEXEC, 0);

    [LibraryImport(Lib, EntryPoint = "close", SetLastError = true)]
    internal static partial int Close(int fd);

    [LibraryImport(Lib, EntryPoint = "vsnprintf")]
    internal static partial int Vsnprintf(byte* buffer, nuint size, byte* format, nint args);

    [LibraryImport(Lib, EntryPoint = "sysconf")]
    internal static partial long Sysconf(int name);

    internal const int _SC_PAGESIZE = 30;
}

/// <summary><c>struct epoll_event</c>: packed on x86-64, naturally aligned elsewhere.</summary>
[StructLayout(LayoutKind.Sequential, Pack = 4)]
internal struct EpollEvent
{
    public uint Events;
    public ulong Data;
}
