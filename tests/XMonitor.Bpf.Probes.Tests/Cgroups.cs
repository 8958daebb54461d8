namespace XMonitor.Bpf.Probes.Tests;

/// <summary>Cgroup facts from the file system, independent of the code under test.</summary>
internal static class Cgroups
{
    /// <summary>Where cgroup v2 is mounted here: beside the v1 controllers (hybrid) or alone.</summary>
    public static string? V2Root => new[] { "/sys/fs/cgroup/unified", "/sys/fs/cgroup" }.FirstOrDefault(d => File.Exists(Path.Combine(d, "cgroup.controllers")));

    /// <summary>The cgroup v1 memory controller's mount, if there is one.</summary>
    public static string? MemoryV1Root => File.Exists("/sys/fs/cgroup/memory/memory.limit_in_bytes") ? "/sys/fs/cgroup/memory" : null;

    /// <summary>The inode number of a directory, from stat(1).</summary>
    public static ulong Inode(string path)
    {
        var (code, output, error) = Tool.Run("stat", "-c", "%i", path);
        Assert.True(code == 0, error);
        return ulong.Parse(output.Trim());
    }

    /// <summary>The id of the cgroup v2 cgroup process <paramref name="pid"/> is in.</summary>
    public static ulong V2IdOf(int pid)
    {
        var line = File.ReadAllLines($"/proc/{pid}/cgroup").Single(l => l.StartsWith("0::", StringComparison.Ordinal));
        return Inode(V2Root + line[3..]);
    }

    /// <summary>Removes a cgroup the test made: rmdir succeeds once its processes have exited and left it empty (up to 5 s).</summary>
    public static void Remove(string dir)
    {
        for (var i = 0; i < 50 && Directory.Exists(dir); i++)
        {
            try
            {
                Directory.Delete(dir);
            }
            catch (IOException)
            {
                Thread.Sleep(100);
            }
        }
    }
}
