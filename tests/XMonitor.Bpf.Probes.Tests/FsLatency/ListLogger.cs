using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace XMonitor.Bpf.Probes.Tests.FsLatency;

/// <summary>A logger that keeps every formatted message, for assertions on what a probe reported.</summary>
internal sealed class ListLogger<T> : ILogger<T>
{
    private readonly ConcurrentQueue<string> _messages = new();

    public IReadOnlyList<string> Messages => _messages.ToArray();

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        => _messages.Enqueue(formatter(state, exception));
}
