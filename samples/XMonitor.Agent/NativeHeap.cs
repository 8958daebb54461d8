using System.Runtime.InteropServices;

namespace XMonitor.Agent;

/// <summary>Tunes glibc's malloc for a daemon whose large native allocations are short-lived.</summary>
internal static partial class NativeHeap
{
    /// <summary>glibc's <c>M_MMAP_THRESHOLD</c> option of <c>mallopt(3)</c>.</summary>
    private const int MmapThresholdOption = -3;

    /// <summary>Blocks from this size up get their own mapping, returned to the kernel when freed.</summary>
    private const int MmapThresholdBytes = 32 * 1024;

    /// <summary>
    /// Serves native blocks of 32 KB and more with their own mappings. libbpf parses vmlinux BTF and
    /// builds each object's programs in blocks of up to several MB while the probes load, and frees
    /// them; glibc's default threshold grows to the size of such a freed block, so later blocks of
    /// that size come from the heap, whose freed pages stay resident. A fixed threshold turns that
    /// off: measured in benchmarks/README.md (finding 11), 13 MB less RSS and 8 MB less peak RSS.
    /// Where the C library ignores the option (musl's <c>mallopt</c> does nothing), malloc works as before.
    /// </summary>
    public static void ReturnLargeBlocksToKernel() => Mallopt(MmapThresholdOption, MmapThresholdBytes);

    [LibraryImport("libc", EntryPoint = "mallopt")]
    private static partial int Mallopt(int option, int value);
}
