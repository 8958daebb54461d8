using System.Globalization;

namespace XMonitor.Bpf.Probes.BioLatency;

/// <summary>A whole disk as the block layer names it: its device number and its name (<c>vda</c>, <c>nvme0n1</c>).</summary>
/// <param name="Major">The device's major number.</param>
/// <param name="Minor">The device's minor number (of the whole disk, not a partition).</param>
/// <param name="Name">The disk's name (<c>gendisk</c> <c>disk_name</c>); <c>major:minor</c> when the kernel did not name it.</param>
public readonly record struct BlockDevice(uint Major, uint Minor, string Name)
{
    /// <summary>Formats the device as <c>name (major:minor)</c>.</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Name} ({Major}:{Minor})");

    /// <summary>The device from the kernel's internal encoding, major &lt;&lt; 20 | minor (MKDEV, as the block tracepoints print it).</summary>
    internal static BlockDevice FromKernel(uint dev, string name)
    {
        uint major = dev >> 20, minor = dev & 0xfffff;
        return new(major, minor, name.Length > 0 ? name : string.Create(CultureInfo.InvariantCulture, $"{major}:{minor}"));
    }

    /// <summary>The kernel's internal encoding of <paramref name="major"/>:<paramref name="minor"/>.</summary>
    internal static uint ToKernel(uint major, uint minor) => major << 20 | minor;
}
