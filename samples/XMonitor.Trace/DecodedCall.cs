namespace XMonitor.Trace;

/// <summary>One finished syscall, or kernel function call (-K, <see cref="KernelFunction"/>), decoded for printing.</summary>
internal sealed record DecodedCall(
    uint Pid,
    uint Tid,
    string Comm,
    int Number,
    string Name,
    IReadOnlyList<string> Args,
    ulong[] RawArgs,
    long Return,
    bool Returned,
    string ReturnText,
    string? Errno,
    ulong StartNs,
    ulong DurationNs,
    IReadOnlyList<string>? KernelStack,
    IReadOnlyList<string>? UserStack,
    bool KernelFunction)
{
    /// <summary>The error, when the call failed (-1..-4095, or a kernel-internal restart code).</summary>
    public bool Failed => Errno is not null;
}
