using Microsoft.Extensions.Logging;

namespace XMonitor.Bpf.Prometheus.Tests;

/// <summary>Keeps what the registry logs, for tests that check failures are reported.</summary>
internal sealed class ListLogger : ILogger<XMonitorMetricsRegistry>
{
    public List<(LogLevel Level, string Message, Exception? Error)> Entries { get; } = [];

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        lock (Entries)
            Entries.Add((logLevel, formatter(state, exception), exception));
    }
}
