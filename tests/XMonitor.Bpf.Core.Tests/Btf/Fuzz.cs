namespace XMonitor.Bpf.Tests.Btf;

/// <summary>Settings shared by the fuzz loops.</summary>
internal static class Fuzz
{
    /// <summary>
    /// Mutations per fuzz test: the default keeps the suite fast; set XMONITOR_FUZZ_ITERATIONS
    /// (for example to 200000) for a long local run.
    /// </summary>
    public static int Iterations(int defaultCount)
        => int.TryParse(Environment.GetEnvironmentVariable("XMONITOR_FUZZ_ITERATIONS"), out var n) && n > 0 ? n : defaultCount;

    /// <summary>The seed: fixed so failures reproduce, overridable with XMONITOR_FUZZ_SEED to explore further.</summary>
    public static int Seed(int defaultSeed)
        => int.TryParse(Environment.GetEnvironmentVariable("XMONITOR_FUZZ_SEED"), out var n) ? n : defaultSeed;
}
