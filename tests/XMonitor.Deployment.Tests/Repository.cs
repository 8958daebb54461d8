namespace XMonitor.Deployment.Tests;

/// <summary>Paths in the repository the tests run from.</summary>
internal static class Repository
{
    /// <summary>The repository's root (tests/NAME/bin/CONFIG/TFM/ is five levels below it).</summary>
    public static string Root { get; } = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "../../../../.."));

    /// <summary>samples/XMonitor.AspNetApp.</summary>
    public static string AspNetApp => Path.Combine(Root, "samples/XMonitor.AspNetApp");

    /// <summary>samples/XMonitor.Agent/deploy.</summary>
    public static string Deploy => Path.Combine(Root, "samples/XMonitor.Agent/deploy");

    /// <summary>The configuration the tests were built in, which the packed libraries were built in too.</summary>
#if DEBUG
    public const string Configuration = "Debug";
#else
    public const string Configuration = "Release";
#endif
}
