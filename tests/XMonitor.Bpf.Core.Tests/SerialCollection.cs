namespace XMonitor.Bpf.Tests;

/// <summary>
/// Tests that count the process's file descriptors or the kernel's programs: they run alone, since
/// any test running beside them opens and closes both.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class SerialCollection
{
    public const string Name = "serial: counts fds and kernel programs";
}
