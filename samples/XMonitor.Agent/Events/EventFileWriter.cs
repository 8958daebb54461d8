using System.Threading.Channels;
using Microsoft.Extensions.Logging;

namespace XMonitor.Agent.Events;

/// <summary>Appends events to a file, one JSON line each, from a background task so that probes never wait for the disk.</summary>
internal sealed class EventFileWriter : IAsyncDisposable
{
    private readonly Channel<string> _lines = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Task _writer;

    public EventFileWriter(string path, ILogger logger)
    {
        var directory = Path.GetDirectoryName(path);
        if (!string.IsNullOrEmpty(directory))
            Directory.CreateDirectory(directory);
        // Opened now, so that a path the agent cannot write fails at start, not at the first event.
        var stream = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite);
        _writer = WriteAsync(new StreamWriter(stream) { AutoFlush = false }, path, logger);
    }

    public void Append(string line) => _lines.Writer.TryWrite(line);

    public async ValueTask DisposeAsync()
    {
        _lines.Writer.TryComplete();
        await _writer.ConfigureAwait(false);
    }

    private async Task WriteAsync(StreamWriter output, string path, ILogger logger)
    {
        await using (output.ConfigureAwait(false))
        {
            try
            {
                while (await _lines.Reader.WaitToReadAsync().ConfigureAwait(false))
                {
                    while (_lines.Reader.TryRead(out var line))
                        await output.WriteLineAsync(line).ConfigureAwait(false);
                    await output.FlushAsync().ConfigureAwait(false);
                }
            }
            catch (IOException e)
            {
                logger.LogError(e, "Writing events to {Path} failed; events still go to the log and /events", path);
            }
        }
    }
}
