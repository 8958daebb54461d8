namespace XMonitor.Bpf.Testing;

/// <summary>What only the Core tests need besides the shared environment check.</summary>
internal static partial class BpfEnvironment
{
    public static OpenBpfObject Open(string name) => BpfObject.OpenEmbedded(typeof(BpfEnvironment).Assembly, name + ".bpf.o");

    public static int OpenFdCount() => Directory.GetFiles("/proc/self/fd").Length;
}
