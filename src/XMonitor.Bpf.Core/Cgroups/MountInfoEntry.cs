using System.Globalization;
using System.Text;

namespace XMonitor.Bpf;

/// <summary>
/// One mount as a line of <c>/proc/self/mountinfo</c> describes it:
/// <c>"36 35 98:0 /root /mnt/point rw,noatime shared:1 - fstype source super,options"</c>, with the
/// mount point and source unescaped. Later lines are later mounts.
/// </summary>
/// <param name="Major">The device's major number (its <c>st_dev</c>).</param>
/// <param name="Minor">The device's minor number.</param>
/// <param name="MountPoint">Where it is mounted, in this process's mount namespace.</param>
/// <param name="FileSystemType">The file system type (<c>ext4</c>, <c>nfs4</c>, <c>cgroup2</c>...).</param>
/// <param name="Source">What is mounted (<c>/dev/vda1</c>, <c>server:/export</c>).</param>
/// <param name="SuperOptions">The super block's options (for cgroup v1, the controllers).</param>
public sealed record MountInfoEntry(uint Major, uint Minor, string MountPoint, string FileSystemType, string Source, string SuperOptions)
{
    /// <summary>The mounts in the file's order (<c>/proc/self/mountinfo</c> by default); malformed lines are skipped.</summary>
    /// <param name="path">The mountinfo file to read.</param>
    public static IEnumerable<MountInfoEntry> Read(string path = "/proc/self/mountinfo")
    {
        foreach (var line in File.ReadLines(path))
        {
            if (Parse(line) is { } entry)
                yield return entry;
        }
    }

    private static MountInfoEntry? Parse(string line)
    {
        var separator = line.IndexOf(" - ", StringComparison.Ordinal);
        if (separator < 0)
            return null;
        var fields = line[..separator].Split(' ');
        var tail = line[(separator + 3)..].Split(' ');
        if (fields.Length < 5 || tail.Length < 3)
            return null;
        var colon = fields[2].IndexOf(':');
        if (colon <= 0
            || !uint.TryParse(fields[2].AsSpan(0, colon), NumberStyles.None, CultureInfo.InvariantCulture, out var major)
            || !uint.TryParse(fields[2].AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var minor))
            return null;
        return new MountInfoEntry(major, minor, Unescape(fields[4]), tail[0], Unescape(tail[1]), tail[2]);
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
