using System.Globalization;
using System.Text;

namespace XMonitor.Bpf.Probes.FsLatency;

/// <summary>Reads the mounts of the selected file-system types from <c>/proc/self/mountinfo</c>.</summary>
internal static class MountTable
{
    /// <summary>One entry per device whose type <paramref name="selects"/> accepts, in mountinfo's order.</summary>
    public static IReadOnlyList<FileSystemMount> Read(Func<string, bool> selects, string path = "/proc/self/mountinfo")
    {
        var mounts = new List<FileSystemMount>();
        var seen = new HashSet<(uint, uint)>();
        foreach (var line in File.ReadLines(path))
        {
            // "36 35 98:0 /root /mnt/point rw,noatime shared:1 - fstype source super,options"
            var separator = line.IndexOf(" - ", StringComparison.Ordinal);
            if (separator < 0)
                continue;
            var fields = line[..separator].Split(' ');
            var tail = line[(separator + 3)..].Split(' ');
            if (fields.Length < 5 || tail.Length < 2 || !selects(tail[0]))
                continue;
            var colon = fields[2].IndexOf(':');
            if (colon <= 0
                || !uint.TryParse(fields[2].AsSpan(0, colon), NumberStyles.None, CultureInfo.InvariantCulture, out var major)
                || !uint.TryParse(fields[2].AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var minor))
                continue;
            // A device mounted at several places (bind mounts) is one file system to the probe.
            if (seen.Add((major, minor)))
                mounts.Add(new FileSystemMount(major, minor, tail[0], Unescape(fields[4]), Unescape(tail[1])));
        }
        return mounts;
    }

    // mountinfo escapes space, tab, newline and backslash as \ooo octal.
    private static string Unescape(string field)
    {
        if (!field.Contains('\\'))
            return field;
        var sb = new StringBuilder(field.Length);
        for (var i = 0; i < field.Length; i++)
        {
            if (field[i] == '\\' && IsOctal(field, i + 1))
            {
                sb.Append((char)Convert.ToInt32(field.Substring(i + 1, 3), 8));
                i += 3;
            }
            else
            {
                sb.Append(field[i]);
            }
        }
        return sb.ToString();
    }

    private static bool IsOctal(string s, int start)
        => start + 3 <= s.Length && s[start] is >= '0' and <= '7' && s[start + 1] is >= '0' and <= '7' && s[start + 2] is >= '0' and <= '7';
}
