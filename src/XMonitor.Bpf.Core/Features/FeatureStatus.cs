namespace XMonitor.Bpf;

/// <summary>The outcome of probing one <see cref="KernelFeature"/>.</summary>
/// <param name="Feature">What was probed.</param>
/// <param name="Support">Supported, not supported, or could not tell.</param>
/// <param name="Reason">How it was decided: what was found or which call failed with which errno.</param>
public readonly record struct FeatureStatus(KernelFeature Feature, FeatureSupport Support, string Reason)
{
    /// <summary>True only when the probe saw the feature work.</summary>
    public bool IsSupported => Support == FeatureSupport.Supported;
}
