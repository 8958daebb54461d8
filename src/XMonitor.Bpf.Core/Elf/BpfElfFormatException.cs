namespace XMonitor.Bpf.Elf;

/// <summary>
/// A BPF object file is malformed or uses a layout this reader does not accept: not a 64-bit
/// little-endian BPF ELF file, section or symbol tables pointing outside the file, map definitions
/// libbpf would reject, or a <c>.BTF</c>/<c>.BTF.ext</c> section that is not well-formed (then
/// <see cref="Exception.InnerException"/> is the <see cref="Btf.BtfFormatException"/>).
/// </summary>
public sealed class BpfElfFormatException : FormatException
{
    /// <summary>Creates the exception for a defect found at <paramref name="offset"/> in the file (-1 when it has no single location).</summary>
    public BpfElfFormatException(string message, long offset = -1, Exception? inner = null)
        : base(offset >= 0 ? $"{message} (at file offset 0x{offset:x})" : message, inner)
    {
        Offset = offset;
    }

    /// <summary>The byte offset of the defect in the file, or -1 when it has no single location.</summary>
    public long Offset { get; }
}
