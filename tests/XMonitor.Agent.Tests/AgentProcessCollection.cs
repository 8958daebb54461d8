namespace XMonitor.Agent.Tests;

/// <summary>
/// The tests that start the agent run one after the other: each loads dozens of programs and some
/// spin the CPUs, which would distort another agent's timings on a 2-core machine.
/// </summary>
[CollectionDefinition(nameof(AgentProcessCollection))]
public sealed class AgentProcessCollection;
