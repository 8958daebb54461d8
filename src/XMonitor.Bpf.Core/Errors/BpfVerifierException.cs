namespace XMonitor.Bpf;

/// <summary>
/// The kernel's verifier rejected a program. <see cref="Log"/> holds every line of the verifier
/// log; the message is a summary made of its last lines, which say why.
/// </summary>
public sealed class BpfVerifierException : BpfException
{
    private const int SummaryLines = 3;

    /// <summary>Creates the exception for <paramref name="program"/> with the verifier's log.</summary>
    public BpfVerifierException(string context, string program, int errno, IReadOnlyList<string> log)
        : base(context, errno, Summarize(program, log))
    {
        Program = program;
        Log = log;
    }

    /// <summary>The name of the rejected program.</summary>
    public string Program { get; }

    /// <summary>The complete verifier log, one entry per line.</summary>
    public IReadOnlyList<string> Log { get; }

    private static string Summarize(string program, IReadOnlyList<string> log)
    {
        var tail = log.Where(l => l.Length > 0 && !l.StartsWith("processed ", StringComparison.Ordinal)
                                  && !l.StartsWith("verification time", StringComparison.Ordinal)
                                  && !l.StartsWith("stack depth", StringComparison.Ordinal))
                      .TakeLast(SummaryLines);
        return $"verifier rejected program '{program}': {string.Join(" | ", tail)} ({log.Count} log lines in Log)";
    }
}
