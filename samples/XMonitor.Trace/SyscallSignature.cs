namespace XMonitor.Trace;

/// <summary>A syscall's argument kinds and return kind, which drive both decoding and what the kernel side copies.</summary>
internal sealed record SyscallSignature(string Name, ReturnKind Return, params ArgKind[] Args)
{
    /// <summary>Argument indexes of the strings the kernel side copies (at most two slots).</summary>
    public IReadOnlyList<int> StringArgs { get; } = [.. Args.Select((k, i) => (k, i)).Where(p => p.k == ArgKind.FilePath).Select(p => p.i).Take(2)];
}
