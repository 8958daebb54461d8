using System.Diagnostics;

namespace XMonitor.Bpf.Probes.Tests;

/// <summary>
/// A memory cgroup with a limit (cgroup v1's memory controller where it is mounted, the hybrid
/// layout; else cgroup v2's memory.max) and a hog that allocates itself into an OOM kill there:
/// a shell moves itself into the cgroup, sets its oom_score_adj and execs xmon-memhog (memhog.c),
/// which maps 300 MiB and touches it. Dispose kills what is left and removes the cgroup.
/// </summary>
internal sealed class MemoryCgroupOom : IDisposable
{
    private Process? _victim;

    private MemoryCgroupOom(string directory, long limit) => (Directory, Limit) = (directory, limit);

    /// <summary>The cgroup's directory.</summary>
    public string Directory { get; }

    /// <summary>The limit written, in bytes.</summary>
    public long Limit { get; }

    /// <summary>The hog, once started.</summary>
    public Process Victim => _victim ?? throw new InvalidOperationException("the hog was not started");

    /// <summary>The cgroup's id: its directory's inode number.</summary>
    public ulong Id => Cgroups.Inode(Directory);

    /// <summary>Makes the cgroup with <paramref name="limit"/>, or skips the test where no memory controller is mounted.</summary>
    public static MemoryCgroupOom Create(long limit)
    {
        var (root, limitFile) = Cgroups.MemoryV1Root is { } v1 ? (v1, "memory.limit_in_bytes")
            : Cgroups.V2Root is { } v2 && File.ReadAllText(Path.Combine(v2, "cgroup.subtree_control")).Split(' ', '\n').Contains("memory") ? (v2, "memory.max")
            : (null, null);
        if (root is null)
            Assert.Skip("no memory controller: neither a cgroup v1 memory mount nor memory in cgroup v2's subtree_control");
        var dir = Path.Combine(root!, $"xmon-test-{Guid.NewGuid():N}"[..22]);
        System.IO.Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, limitFile!), $"{limit}\n");
        return new MemoryCgroupOom(dir, limit);
    }

    /// <summary>Starts the hog in the cgroup with <paramref name="oomScoreAdjust"/>.</summary>
    public Process StartHog(int oomScoreAdjust)
    {
        var hog = NativeProgram.Build("memhog.c", "xmon-memhog");
        var start = new ProcessStartInfo("sh") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add($"echo $$ > {Directory}/cgroup.procs && echo {oomScoreAdjust} > /proc/self/oom_score_adj && exec {hog} 300");
        _victim = Process.Start(start)!;
        return _victim;
    }

    public void Dispose()
    {
        if (_victim is { HasExited: false })
            _victim.Kill();
        _victim?.WaitForExit();
        _victim?.Dispose();
        Cgroups.Remove(Directory);
    }
}
