namespace XMonitor.Bpf;

/// <summary>The three outcomes of a feature probe.</summary>
public enum FeatureSupport
{
    /// <summary>The probe saw the feature work.</summary>
    Supported,
    /// <summary>The kernel lacks the feature.</summary>
    NotSupported,
    /// <summary>The probe could not tell (for example, not enough privilege to try).</summary>
    Unknown,
}
