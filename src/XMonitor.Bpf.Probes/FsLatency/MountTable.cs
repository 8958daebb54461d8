namespace XMonitor.Bpf.Probes.FsLatency;

/// <summary>Reads the mounts of the selected file-system types from <c>/proc/self/mountinfo</c>.</summary>
internal static class MountTable
{
    /// <summary>One entry per device whose type <paramref name="selects"/> accepts, in mountinfo's order.</summary>
    public static IReadOnlyList<FileSystemMount> Read(Func<string, bool> selects, string path = "/proc/self/mountinfo")
    {
        var mounts = new List<FileSystemMount>();
        var seen = new HashSet<(uint, uint)>();
        foreach (var mount in MountInfoEntry.Read(path))
        {
            // A device mounted at several places (bind mounts) is one file system to the probe.
            if (selects(mount.FileSystemType) && seen.Add((mount.Major, mount.Minor)))
                mounts.Add(new FileSystemMount(mount.Major, mount.Minor, mount.FileSystemType, mount.MountPoint, mount.Source));
        }
        return mounts;
    }
}
