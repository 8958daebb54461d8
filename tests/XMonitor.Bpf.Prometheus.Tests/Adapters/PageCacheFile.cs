using System.Runtime.InteropServices;

namespace XMonitor.Bpf.Prometheus.Tests.Adapters;

/// <summary>
/// A file on the root file system (/var/tmp: tmpfs pages never leave the cache), whose pages the
/// test evicts with posix_fadvise so that only this file's reads miss, without dropping every cache.
/// </summary>
internal sealed partial class PageCacheFile : IDisposable
{
    public const int PageSize = 4096;
    private const int PosixFadvDontNeed = 4;

    public PageCacheFile(long bytes)
    {
        Bytes = bytes;
        Path = System.IO.Path.Combine("/var/tmp", $"xmonitor-adapter-{Environment.ProcessId}-{Guid.NewGuid():N}.bin");
        var block = new byte[1 << 20];
        Random.Shared.NextBytes(block);
        using var file = new FileStream(Path, FileMode.Create, FileAccess.Write);
        for (long done = 0; done < bytes; done += block.Length)
            file.Write(block);
        file.Flush(flushToDisk: true);
    }

    public string Path { get; }

    public long Bytes { get; }

    public long Pages => Bytes / PageSize;

    /// <summary>Evicts the file's (clean, synced) pages from the page cache.</summary>
    public void Evict()
    {
        using var handle = File.OpenHandle(Path);
        Assert.Equal(0, PosixFadvise((int)handle.DangerousGetHandle(), 0, 0, PosixFadvDontNeed));
    }

    /// <summary>Reads the whole file with read(2).</summary>
    public void Read()
    {
        var buffer = new byte[1 << 20];
        using var file = new FileStream(Path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 0);
        while (file.Read(buffer) > 0)
        {
        }
    }

    public void Dispose() => File.Delete(Path);

    [LibraryImport("libc", EntryPoint = "posix_fadvise")]
    private static partial int PosixFadvise(int fd, long offset, long length, int advice);
}
