using System.Runtime.InteropServices;

namespace XMonitor.Bpf.Tests;

/// <summary>Walks the kernel's program id list independently of the SDK.</summary>
internal static partial class NativeIds
{
    [LibraryImport("libbpf.so.1", EntryPoint = "bpf_prog_get_next_id")]
    internal static partial int NextProgramId(uint start, out uint next);
}
