namespace XMonitor.Bpf.Btf;

/// <summary>
/// BTF data (raw BTF, an object's <c>.BTF</c> or <c>.BTF.ext</c> section) is malformed: bad magic,
/// an unsupported version, lengths pointing outside the data, truncated records, type ids out of
/// range or type reference chains that never end. The message says what is wrong and where.
/// </summary>
public sealed class BtfFormatException : FormatException
{
    /// <summary>Creates the exception for a defect found at <paramref name="offset"/> (-1 when it has no single location).</summary>
    public BtfFormatException(string message, long offset = -1)
        : base(offset >= 0 ? $"{message} (at offset 0x{offset:x})" : message)
    {
        Offset = offset;
    }

    /// <summary>The byte offset of the defect in the data that was parsed, or -1 when it has no single location.</summary>
    public long Offset { get; }
}
