using System.Globalization;

namespace XMonitor.Bpf.Probes.FsLatency;

/// <summary>A mounted file system as <c>/proc/self/mountinfo</c> lists it.</summary>
/// <param name="Major">The major number of its device (<c>st_dev</c>).</param>
/// <param name="Minor">The minor number of its device.</param>
/// <param name="Type">Its type (<c>nfs4</c>, <c>ext4</c>, <c>tmpfs</c>...).</param>
/// <param name="MountPoint">Where it is mounted (the first mount point listed for the device).</param>
/// <param name="Source">What was mounted (<c>server:/export</c>, <c>/dev/vda</c>...).</param>
public sealed record FileSystemMount(uint Major, uint Minor, string Type, string MountPoint, string Source)
{
    /// <summary>Formats the mount as <c>type source on mount point (major:minor)</c>.</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Type} {Source} on {MountPoint} ({Major}:{Minor})");

    /// <summary>The device in the kernel's internal encoding, major &lt;&lt; 20 | minor.</summary>
    internal uint KernelDevice => Major << 20 | Minor;
}
