namespace XMonitor.Trace;

/// <summary>One syscall's line of the summary.</summary>
internal sealed record SummaryRow(string Name, ulong Calls, ulong Errors, ulong TotalNs);
