using System.Runtime.InteropServices;

namespace XMonitor.Agent.Tests;

/// <summary>
/// Work that every probe family with a histogram or a per-process gauge can see, made by the test
/// instead of hoped for from the machine: until disposed, every 250 ms it writes 256 KiB to a file
/// in <paramref name="directory"/>, fsyncs it (ext4 write and fsync calls, block writes and a flush
/// on the disk), reads it back (ext4 reads, page cache accesses), and it holds a touched 4 MiB
/// private anonymous mapping (glibc serves an allocation that large with mmap).
/// </summary>
internal sealed class DiskWorkload : IAsyncDisposable
{
    private const int ChunkBytes = 256 * 1024;
    private const nuint AnonymousBytes = 4 * 1024 * 1024;

    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private readonly string _file;
    private readonly unsafe byte* _anonymous;

    public unsafe DiskWorkload(string directory)
    {
        _file = Path.Combine(directory, $"xmon-workload-{Guid.NewGuid():N}.bin");
        _anonymous = (byte*)NativeMemory.Alloc(AnonymousBytes);
        new Span<byte>(_anonymous, (int)AnonymousBytes).Fill(0x5a);
        _loop = Task.Run(RunAsync);
    }

    private async Task RunAsync()
    {
        var chunk = new byte[ChunkBytes];
        Random.Shared.NextBytes(chunk);
        while (!_stop.IsCancellationRequested)
        {
            await using (var stream = new FileStream(_file, FileMode.Create, FileAccess.ReadWrite, FileShare.None, bufferSize: 0))
            {
                stream.Write(chunk);
                stream.Flush(flushToDisk: true);
                stream.Position = 0;
                stream.ReadExactly(chunk);
            }
            try
            {
                await Task.Delay(250, _stop.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _loop;
        _stop.Dispose();
        File.Delete(_file);
        unsafe
        {
            NativeMemory.Free(_anonymous);
        }
    }
}
