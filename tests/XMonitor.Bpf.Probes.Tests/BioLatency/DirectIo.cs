using System.Runtime.InteropServices;

namespace XMonitor.Bpf.Probes.Tests.BioLatency;

/// <summary>
/// A file opened with O_DIRECT: every pread/pwrite of an aligned buffer is one trip to the disk,
/// bypassing the page cache, so the test knows which block requests it caused.
/// </summary>
internal sealed unsafe partial class DirectIo : IDisposable
{
    private const int OpenReadWrite = 0x2;
    private const int OpenCreate = 0x40;
    private const int OpenDirect = 0x4000;
    private const nuint Alignment = 4096;

    private readonly int _fd;
    private readonly byte* _buffer;
    private readonly int _capacity;

    public DirectIo(string path, int capacity)
    {
        _fd = Open(path, OpenReadWrite | OpenCreate | OpenDirect, 0x180);
        Assert.True(_fd >= 0, $"open({path}, O_DIRECT) failed: errno {Marshal.GetLastPInvokeError()}");
        _capacity = capacity;
        _buffer = (byte*)NativeMemory.AlignedAlloc((nuint)capacity, Alignment);
        new Span<byte>(_buffer, capacity).Fill(0x5a);
    }

    /// <summary>The calling thread's kernel id (what the probe reports as the thread id).</summary>
    public static int CurrentThreadId => GetTid();

    public void Write(long offset, int size)
    {
        Assert.InRange(size, 1, _capacity);
        Assert.Equal(size, (int)PWrite(_fd, _buffer, (nuint)size, offset));
    }

    public void Read(long offset, int size)
    {
        Assert.InRange(size, 1, _capacity);
        Assert.Equal(size, (int)PRead(_fd, _buffer, (nuint)size, offset));
    }

    public void Sync() => Assert.Equal(0, FSync(_fd));

    public void Dispose()
    {
        Close(_fd);
        NativeMemory.AlignedFree(_buffer);
    }

    [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Open(string path, int flags, int mode);

    [LibraryImport("libc", EntryPoint = "pwrite", SetLastError = true)]
    private static partial nint PWrite(int fd, byte* buffer, nuint count, long offset);

    [LibraryImport("libc", EntryPoint = "pread", SetLastError = true)]
    private static partial nint PRead(int fd, byte* buffer, nuint count, long offset);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int FSync(int fd);

    [LibraryImport("libc", EntryPoint = "close")]
    private static partial int Close(int fd);

    [LibraryImport("libc", EntryPoint = "gettid")]
    private static partial int GetTid();
}
