namespace XMonitor.Trace;

/// <summary>How a syscall's return value is shown when it is not an error.</summary>
internal enum ReturnKind
{
    Int,
    Hex,
    /// <summary>exit and exit_group: they never return (shown as <c>?</c>).</summary>
    None,
}
