namespace XMonitor.Bpf;

/// <summary>The outcome of <see cref="BpfProgram.TestRun"/>.</summary>
/// <param name="ReturnValue">The program's return value (of the last run when repeated).</param>
/// <param name="AverageDuration">The kernel's average run time per repetition.</param>
public readonly record struct BpfTestRunResult(uint ReturnValue, TimeSpan AverageDuration);
