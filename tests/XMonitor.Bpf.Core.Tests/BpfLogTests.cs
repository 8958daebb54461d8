using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace XMonitor.Bpf.Tests;

/// <summary>libbpf's own messages, and the verifier log of a failed load, reach the configured ILogger.</summary>
[Collection(SerialCollection.Name)]
public sealed class BpfLogTests
{
    [Fact]
    public void LibbpfWarningsAndTheVerifierLogAreLogged()
    {
        BpfEnvironment.Require();
        var factory = new RecordingLoggerFactory();
        BpfLog.Configure(factory);
        try
        {
            using var open = BpfEnvironment.Open("rejected");
            Assert.Throws<BpfVerifierException>(() => open.Load());
        }
        finally
        {
            BpfLog.Configure(NullLoggerFactory.Instance);
        }
        Assert.Equal("XMonitor.Bpf.libbpf", factory.Category);
        Assert.Contains(factory.Entries, e => e.Level == LogLevel.Warning && e.Message.Contains("BPF program load failed", StringComparison.Ordinal));
        Assert.Contains(factory.Entries, e => e.Level == LogLevel.Warning && e.Message.Contains("invalid mem access 'map_value_or_null'", StringComparison.Ordinal));
        Assert.Contains(factory.Entries, e => e.Level == LogLevel.Debug);
    }

    private sealed class RecordingLoggerFactory : ILoggerFactory, ILogger
    {
        public string? Category { get; private set; }
        public List<(LogLevel Level, string Message)> Entries { get; } = [];
        public ILogger CreateLogger(string categoryName)
        {
            Category = categoryName;
            return this;
        }
        public void AddProvider(ILoggerProvider provider) { }
        public void Dispose() { }
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
        public bool IsEnabled(LogLevel logLevel) => true;
        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            lock (Entries)
                Entries.Add((logLevel, formatter(state, exception)));
        }
    }
}
