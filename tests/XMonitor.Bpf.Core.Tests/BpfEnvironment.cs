namespace XMonitor.Bpf.Testing;

/// <summary>What only the Core tests need besides the shared environment check.</summary>
internal static partial class BpfEnvironment
{
    public static OpenBpfObject Open(string name) => BpfObject.OpenEmbedded(typeof(BpfEnvironment).Assembly, name + ".bpf.o");

    /// <summary>
    /// Descriptors of kernel BPF objects (programs, maps, links, BTF) and perf events this process holds.
    /// Only these count as leaks: the runtime and the test host open and close descriptors of their own
    /// (sockets, eventfds, files) at any moment, which made a count of every descriptor flaky.
    /// </summary>
    public static int OpenFdCount()
    {
        var count = 0;
        foreach (var fd in Directory.GetFiles("/proc/self/fd"))
        {
            string? target;
            try
            {
                target = new FileInfo(fd).LinkTarget;
            }
            catch (IOException)
            {
                continue; // closed between listing and reading
            }
            if (target is not null && IsBpfDescriptor(target))
                count++;
        }
        return count;
    }

    private static bool IsBpfDescriptor(string target) =>
        target.StartsWith("anon_inode:bpf", StringComparison.Ordinal)
        || target.StartsWith("anon_inode:btf", StringComparison.Ordinal)
        || target == "anon_inode:[perf_event]"
        || target.EndsWith(".bpf.o", StringComparison.Ordinal)
        // The minimal kernel BTF of an object being opened and loaded (CoreBtfFile).
        || target.StartsWith("/memfd:xmonitor-core-btf", StringComparison.Ordinal);
}
