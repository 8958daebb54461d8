using System.Text.Json;

namespace XMonitor.Bpf.Probes.Tests;

/// <summary>What bpftool sees loaded and attached, to check that a probe leaves nothing behind.</summary>
internal static class KernelPrograms
{
    /// <summary>Asserts that the programs are loaded now, then, after <paramref name="dispose"/>, that none of them is loaded or linked.</summary>
    public static void AssertGoneAfter(IReadOnlyCollection<uint> ids, Action dispose)
    {
        if (Tool.Find("bpftool") is not { } bpftool)
        {
            BpfEnvironment.Fail("bpftool is not installed");
            return;
        }
        Assert.True(ids.ToHashSet().IsSubsetOf(Ids(bpftool, "prog", "id")), "a program of the probe is not loaded while it runs");
        Assert.True(ids.ToHashSet().IsSubsetOf(Ids(bpftool, "link", "prog_id")), "a program of the probe is not attached while it runs");
        dispose();
        // The kernel frees a program after an RCU grace period once its last fd is closed.
        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (ids.Overlaps(Ids(bpftool, "prog", "id")) && DateTime.UtcNow < deadline)
            Thread.Sleep(50);
        Assert.False(ids.Overlaps(Ids(bpftool, "prog", "id")), "a program of the probe is still loaded");
        Assert.False(ids.Overlaps(Ids(bpftool, "link", "prog_id")), "a link of the probe is still attached");
    }

    /// <summary>The ids of the programs the kernel has attached through a link now.</summary>
    public static HashSet<uint> Linked()
    {
        if (Tool.Find("bpftool") is not { } bpftool)
        {
            BpfEnvironment.Fail("bpftool is not installed");
            return [];
        }
        return Ids(bpftool, "link", "prog_id");
    }

    private static bool Overlaps(this IReadOnlyCollection<uint> ids, HashSet<uint> other) => ids.Any(other.Contains);

    private static HashSet<uint> Ids(string bpftool, string kind, string property)
    {
        var (code, output, error) = Tool.Run(bpftool, "-j", kind, "show");
        Assert.True(code == 0, error);
        using var doc = JsonDocument.Parse(output);
        return doc.RootElement.EnumerateArray().Select(e => e.GetProperty(property).GetUInt32()).ToHashSet();
    }
}
