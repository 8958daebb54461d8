using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using XMonitor.Bpf.Interop;

namespace XMonitor.Bpf;

/// <summary>
/// Routes libbpf's own log (warnings, info, debug; the verifier log on a failed load) to an
/// <see cref="ILogger"/> with category <c>XMonitor.Bpf.libbpf</c>. libbpf has one process-wide
/// print callback, so this is process-wide too: set it once at start-up (the DI extensions do).
/// </summary>
public static unsafe class BpfLog
{
    private const int LibbpfWarn = 0;
    private const int LibbpfInfo = 1;
    private const int MessageBufferSize = 8192;

    private static ILogger _logger = NullLogger.Instance;

    [ThreadStatic] private static List<string>? _capture;

    static BpfLog()
    {
        LibBpf.SetPrint(&Print);
    }

    /// <summary>Sends libbpf's messages to loggers made by <paramref name="factory"/>.</summary>
    public static void Configure(ILoggerFactory factory)
    {
        ArgumentNullException.ThrowIfNull(factory);
        _logger = factory.CreateLogger("XMonitor.Bpf.libbpf");
    }

    /// <summary>Logs a message of the SDK's own in the libbpf category (the verifier log of a failed load).</summary>
    internal static void Write(LogLevel level, string message)
    {
        if (_logger.IsEnabled(level))
            _logger.Log(level, "{LibbpfMessage}", message);
    }

    /// <summary>Makes sure the callback is installed before the first libbpf call.</summary>
    internal static void EnsureInstalled() => RuntimeHelpers.RunClassConstructor(typeof(BpfLog).TypeHandle);

    /// <summary>
    /// Collects the warnings libbpf prints on this thread while the returned scope is open, so a
    /// failure can say what libbpf said (for example "failed to find BTF for extern").
    /// </summary>
    internal static CaptureScope Capture()
    {
        EnsureInstalled();
        var previous = _capture;
        _capture = [];
        return new CaptureScope(previous);
    }

    internal readonly struct CaptureScope(List<string>? previous) : IDisposable
    {
        public IReadOnlyList<string> Lines => _capture ?? [];

        /// <summary>The captured warnings as one detail string, or null when libbpf said nothing.</summary>
        public string? Detail => _capture is { Count: > 0 } c ? "libbpf: " + string.Join(" | ", c.TakeLast(4)) : null;

        public void Dispose() => _capture = previous;
    }

    [UnmanagedCallersOnly]
    private static int Print(int level, byte* format, nint args)
    {
        try
        {
            var logLevel = level switch
            {
                LibbpfWarn => LogLevel.Warning,
                LibbpfInfo => LogLevel.Information,
                _ => LogLevel.Debug,
            };
            // libbpf says a lot at debug level on every load; format only what someone reads.
            var captured = level == LibbpfWarn && _capture is not null;
            if (!captured && !_logger.IsEnabled(logLevel))
                return 0;
            var buffer = stackalloc byte[MessageBufferSize];
            var n = LibC.Vsnprintf(buffer, MessageBufferSize, format, args);
            if (n <= 0)
                return 0;
            var message = Marshal.PtrToStringUTF8((nint)buffer, Math.Min(n, MessageBufferSize - 1)).TrimEnd('\n');
            // The type-export section is ours on purpose (xm_export.bpf.h); libbpf's note about skipping it is not news.
            if (logLevel == LogLevel.Information && message.EndsWith(" .xm_export", StringComparison.Ordinal))
                logLevel = LogLevel.Debug;
            if (captured)
                _capture!.Add(message);
            if (_logger.IsEnabled(logLevel))
                _logger.Log(logLevel, "{LibbpfMessage}", message);
        }
        catch
        {
            // An exception must never unwind into libbpf's C frames.
        }
        return 0;
    }
}
