namespace XMonitor.Bpf.Tests.Skeletons;

/// <summary>The configuration these tests were built in: the builds they run use the same.</summary>
internal static class BuildConfiguration
{
#if DEBUG
    public const string Name = "Debug";
#else
    public const string Name = "Release";
#endif
}
