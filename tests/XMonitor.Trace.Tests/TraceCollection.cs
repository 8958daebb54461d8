namespace XMonitor.Trace.Tests;

/// <summary>Tracing tests run one at a time: -a sees every process, and each run loads its own programs.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TraceCollection
{
    public const string Name = "tracer runs";
}
