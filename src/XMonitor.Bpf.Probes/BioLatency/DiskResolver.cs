using System.Globalization;

namespace XMonitor.Bpf.Probes.BioLatency;

/// <summary>Turns a disk's name or <c>major:minor</c> into its device number, through sysfs.</summary>
internal static class DiskResolver
{
    /// <summary>Why <paramref name="disk"/> names no whole disk, or null when it does.</summary>
    public static string? Problem(string disk)
    {
        try
        {
            Resolve(disk);
            return null;
        }
        catch (ArgumentException e)
        {
            return e.Message;
        }
    }

    /// <summary>The whole disk <paramref name="disk"/> names.</summary>
    /// <exception cref="ArgumentException">No such block device, or it is a partition.</exception>
    public static (uint Major, uint Minor) Resolve(string disk)
    {
        if (string.IsNullOrWhiteSpace(disk))
            throw new ArgumentException("must name a disk ('vda' or 'major:minor'), not be empty");
        // /sys/dev/block/M:m and /sys/class/block/NAME are both links to the device's directory.
        var dir = TryParse(disk, out _, out _) ? $"/sys/dev/block/{disk}" : $"/sys/class/block/{disk}";
        if (disk.Contains('/') || !Directory.Exists(dir))
            throw new ArgumentException($"'{disk}' is not a block device ({dir} does not exist)");
        var number = File.ReadAllText(Path.Combine(dir, "dev")).Trim();
        if (!TryParse(number, out var major, out var minor))
            throw new ArgumentException($"'{disk}': {dir}/dev reads '{number}', not major:minor");
        if (File.Exists(Path.Combine(dir, "partition")))
        {
            var parent = Path.GetFileName(Path.GetDirectoryName(new DirectoryInfo(dir).ResolveLinkTarget(true)?.FullName ?? dir));
            throw new ArgumentException($"'{disk}' is a partition; requests are counted per whole disk: use '{parent}'");
        }
        return (major, minor);
    }

    private static bool TryParse(string text, out uint major, out uint minor)
    {
        major = minor = 0;
        var colon = text.IndexOf(':');
        return colon > 0
            && uint.TryParse(text.AsSpan(0, colon), NumberStyles.None, CultureInfo.InvariantCulture, out major)
            && uint.TryParse(text.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out minor);
    }
}
