using System.Globalization;
using System.Text;

namespace XMonitor.Trace;

/// <summary>Bytes as a C string literal the way strace prints them.</summary>
internal static class CString
{
    /// <summary>
    /// Quotes <paramref name="bytes"/>, showing at most <paramref name="limit"/> of them; "..." follows
    /// the closing quote when bytes were left out (here or, <paramref name="cut"/>, by the kernel side).
    /// </summary>
    public static string Quote(ReadOnlySpan<byte> bytes, int limit, bool cut = false)
    {
        var shown = bytes[..Math.Min(bytes.Length, limit)];
        var text = new StringBuilder(shown.Length + 8).Append('"');
        for (var i = 0; i < shown.Length; i++)
        {
            var b = shown[i];
            switch (b)
            {
                case (byte)'"': text.Append("\\\""); break;
                case (byte)'\\': text.Append("\\\\"); break;
                case (byte)'\n': text.Append("\\n"); break;
                case (byte)'\t': text.Append("\\t"); break;
                case (byte)'\r': text.Append("\\r"); break;
                case (byte)'\v': text.Append("\\v"); break;
                case (byte)'\f': text.Append("\\f"); break;
                case >= 0x20 and < 0x7f: text.Append((char)b); break;
                default:
                    // Octal as short as it can be, unless a digit follows and would be read as part of it.
                    var nextIsDigit = i + 1 < shown.Length && shown[i + 1] is >= (byte)'0' and <= (byte)'9';
                    text.Append('\\').Append(Convert.ToString(b, 8).PadLeft(nextIsDigit ? 3 : 1, '0'));
                    break;
            }
        }
        text.Append('"');
        if (cut || bytes.Length > limit)
            text.Append("...");
        return text.ToString();
    }

    /// <summary>Bytes up to the first NUL as UTF-8 (for JSON).</summary>
    public static string Text(ReadOnlySpan<byte> bytes)
    {
        var end = bytes.IndexOf((byte)0);
        return Encoding.UTF8.GetString(end < 0 ? bytes : bytes[..end]);
    }

    public static string Pointer(ulong value) => value == 0 ? "NULL" : Hex(value);

    public static string Hex(ulong value) => "0x" + value.ToString("x", CultureInfo.InvariantCulture);
}
