using System.Text;

namespace XMonitor.Bpf;

/// <summary>Reads C strings out of BPF records and maps.</summary>
public static class BpfStrings
{
    /// <summary>The bytes up to the first NUL (or all of them) decoded as UTF-8: <c>char comm[16]</c> as a string.</summary>
    public static string FromCString(ReadOnlySpan<byte> bytes)
    {
        var end = bytes.IndexOf((byte)0);
        return Encoding.UTF8.GetString(end < 0 ? bytes : bytes[..end]);
    }
}
