using System.Text.Json;

namespace XMonitor.Bpf.Probes.Tests.BioLatency;

/// <summary>What bpftool sees loaded and linked, to check that a disposed probe leaves nothing behind.</summary>
internal static class KernelPrograms
{
    /// <summary>Waits (the kernel frees a program an RCU grace period after its last fd closes) and asserts none of <paramref name="ids"/> is loaded or linked.</summary>
    public static void AssertGone(IReadOnlyCollection<uint> ids)
    {
        var bpftool = Tool.Find("bpftool");
        if (bpftool is null)
        {
            BpfEnvironment.Fail("bpftool is not installed");
            return;
        }
        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (ids.Any(Loaded(bpftool).Contains) && DateTime.UtcNow < deadline)
            Thread.Sleep(50);
        Assert.False(ids.Any(Loaded(bpftool).Contains), "a program of the probe is still loaded");
        Assert.False(ids.Any(Linked(bpftool).Contains), "a link of the probe is still attached");
    }

    /// <summary>Asserts every one of <paramref name="ids"/> is loaded and attached through a link.</summary>
    public static void AssertAttached(IReadOnlyCollection<uint> ids)
    {
        var bpftool = Tool.Find("bpftool");
        if (bpftool is null)
        {
            BpfEnvironment.Fail("bpftool is not installed");
            return;
        }
        Assert.True(ids.All(Loaded(bpftool).Contains));
        Assert.True(ids.All(Linked(bpftool).Contains));
    }

    private static HashSet<uint> Loaded(string bpftool) => Json(bpftool, "prog").Select(p => p.GetProperty("id").GetUInt32()).ToHashSet();

    private static HashSet<uint> Linked(string bpftool) => Json(bpftool, "link").Select(l => l.GetProperty("prog_id").GetUInt32()).ToHashSet();

    private static List<JsonElement> Json(string bpftool, string kind)
    {
        var (code, output, error) = Tool.Run(bpftool, "-j", kind, "show");
        Assert.True(code == 0, error);
        using var doc = JsonDocument.Parse(output);
        return doc.RootElement.EnumerateArray().Select(e => e.Clone()).ToList();
    }
}
