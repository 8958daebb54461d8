namespace XMonitor.Deployment.Tests;

/// <summary>
/// Tests that pack the repository's libraries, build and run an application from them, or run every
/// probe: heavy on a 2-core machine and sensitive to each other's load (system-wide page cache and
/// scheduler counts), so they run one at a time and not beside other collections.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class DeploymentCollection
{
    /// <summary>The collection's name.</summary>
    public const string Name = "deployment: packs, builds and runs";
}
