using System.Runtime.InteropServices;

namespace XMonitor.Bpf.Prometheus;

/// <summary>Inode numbers through stat(2): .NET has no managed API for them.</summary>
internal static unsafe partial class FileInode
{
    // struct stat is 144 bytes on x86-64 and 128 on arm64; st_ino follows the 8-byte st_dev on both.
    private const int StatBufferSize = 256;
    private const int InodeOffset = 8;

    public static bool TryGet(string path, out ulong inode)
    {
        var buffer = stackalloc byte[StatBufferSize];
        if (Stat(path, buffer) != 0)
        {
            inode = 0;
            return false;
        }
        inode = *(ulong*)(buffer + InodeOffset);
        return true;
    }

    [LibraryImport("libc", EntryPoint = "stat", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Stat(string path, byte* buffer);
}
