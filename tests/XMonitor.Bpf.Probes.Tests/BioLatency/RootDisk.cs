namespace XMonitor.Bpf.Probes.Tests.BioLatency;

/// <summary>Finds the whole disk a directory's file system lives on, from /proc/self/mountinfo and sysfs.</summary>
internal static class RootDisk
{
    public static string Of(string directory)
    {
        string? best = null, device = null;
        foreach (var line in File.ReadLines("/proc/self/mountinfo"))
        {
            // "27 1 254:0 / / rw,relatime shared:1 - ext4 /dev/vda rw"
            var fields = line.Split(' ');
            var mountPoint = fields[4];
            var covers = directory == mountPoint || directory.StartsWith(mountPoint == "/" ? "/" : mountPoint + "/", StringComparison.Ordinal);
            if (covers && (best is null || mountPoint.Length >= best.Length))
                (best, device) = (mountPoint, fields[2]);
        }
        var sys = $"/sys/dev/block/{device}";
        if (device is null || !System.IO.Directory.Exists(sys))
        {
            BpfEnvironment.Fail($"{directory} is not on a block device (device {device})");
            throw new InvalidOperationException("unreachable");
        }
        var target = new DirectoryInfo(sys).ResolveLinkTarget(true)!.FullName;
        // A partition's directory sits inside its disk's.
        return File.Exists(Path.Combine(sys, "partition")) ? Path.GetFileName(Path.GetDirectoryName(target)!) : Path.GetFileName(target);
    }
}
