namespace XMonitor.Bpf.Probes.Tests.CacheStat;

/// <summary>
/// Test files on the root ext4 file system (/var/tmp, not a tmpfs: tmpfs pages never leave the
/// cache, so there would be no misses), written and synced once per test class.
/// </summary>
public sealed class PageCacheFiles : IDisposable
{
    public const int PageSize = 4096;
    public const long LargeBytes = 256L << 20;
    public const long MediumBytes = 64L << 20;

    public PageCacheFiles()
    {
        Directory = Path.Combine("/var/tmp", $"xmonitor-cachestat-{Environment.ProcessId}");
        System.IO.Directory.CreateDirectory(Directory);
        Large = Path.Combine(Directory, "large.bin");
        Medium = Path.Combine(Directory, "medium.bin");
        Write(Large, LargeBytes);
        Write(Medium, MediumBytes);
    }

    public string Directory { get; }

    /// <summary>256 MiB: 65,536 pages.</summary>
    public string Large { get; }

    /// <summary>64 MiB: 16,384 pages.</summary>
    public string Medium { get; }

    public static long Pages(long bytes) => bytes / PageSize;

    /// <summary>Writes dirty pages back first: drop_caches only drops clean pages.</summary>
    public static void DropCaches()
    {
        Assert.Equal(0, Tool.Run("sync").ExitCode);
        File.WriteAllText("/proc/sys/vm/drop_caches", "3");
    }

    public void Dispose() => System.IO.Directory.Delete(Directory, recursive: true);

    private static void Write(string path, long bytes)
    {
        var block = new byte[1 << 20];
        Random.Shared.NextBytes(block);
        using var file = new FileStream(path, FileMode.Create, FileAccess.Write);
        for (long done = 0; done < bytes; done += block.Length)
            file.Write(block);
        file.Flush(flushToDisk: true);
    }
}
