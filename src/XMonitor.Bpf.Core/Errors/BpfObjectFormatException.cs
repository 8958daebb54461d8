namespace XMonitor.Bpf;

/// <summary>A BPF object file could not be parsed: not an ELF file, not a BPF ELF, truncated or
/// with inconsistent sections or BTF.</summary>
public sealed class BpfObjectFormatException : BpfException
{
    /// <summary>Creates the exception for <paramref name="context"/>.</summary>
    public BpfObjectFormatException(string context, int errno, string? detail = null)
        : base(context, errno, detail ?? "the file is not a valid BPF ELF object")
    {
    }
}
