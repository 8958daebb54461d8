namespace XMonitor.Bpf.Tests;

/// <summary>
/// Tests that count the process's file descriptors or the kernel's programs, or that build and pack
/// the repository's projects: they run alone, since tests beside them open and close both and
/// builds of the same project must not overlap.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class SerialCollection
{
    public const string Name = "serial: counts fds and kernel programs";
}
