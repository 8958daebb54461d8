using System.Runtime.InteropServices;

namespace XMonitor.Bpf.Tests;

/// <summary>Walks the kernel's program list independently of the SDK, as <c>bpftool prog show</c> does.</summary>
internal static partial class NativeIds
{
    /// <summary>The ids of every BPF program loaded in the kernel right now.</summary>
    internal static HashSet<uint> ProgramIds()
    {
        var ids = new HashSet<uint>();
        uint id = 0;
        while (NextProgramId(id, out var next) == 0)
        {
            ids.Add(next);
            id = next;
        }
        return ids;
    }

    [LibraryImport("libbpf.so.1", EntryPoint = "bpf_prog_get_next_id")]
    private static partial int NextProgramId(uint start, out uint next);
}
