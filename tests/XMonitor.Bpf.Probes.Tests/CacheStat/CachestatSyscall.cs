using System.Runtime.InteropServices;

namespace XMonitor.Bpf.Probes.Tests.CacheStat;

/// <summary>
/// The cachestat(2) system call (Linux 6.5+): how many pages of a file are in the page cache, dirty
/// or under writeback, as the kernel's own ground truth to compare the probe with.
/// </summary>
internal static partial class CachestatSyscall
{
    private const long X64Number = 451;

    public static Result Query(string path)
    {
        if (RuntimeInformation.ProcessArchitecture != Architecture.X64)
            Assert.Skip("the cachestat syscall number is only known here for x86-64");
        using var handle = File.OpenHandle(path);
        var range = new Range { Offset = 0, Length = 0 };
        var result = default(Result);
        var rc = Syscall(X64Number, (int)handle.DangerousGetHandle(), ref range, ref result, 0);
        if (rc != 0)
            Assert.Skip($"cachestat(2) failed with errno {Marshal.GetLastPInvokeError()} (needs Linux 6.5+)");
        return result;
    }

    [LibraryImport("libc", EntryPoint = "syscall", SetLastError = true)]
    private static partial long Syscall(long number, int fd, ref Range range, ref Result result, uint flags);

    /// <summary>struct cachestat_range; a length of 0 means up to the end of the file.</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct Range
    {
        public ulong Offset;
        public ulong Length;
    }

    /// <summary>struct cachestat, in pages.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct Result
    {
        public ulong NrCache;
        public ulong NrDirty;
        public ulong NrWriteback;
        public ulong NrEvicted;
        public ulong NrRecentlyEvicted;
    }
}
