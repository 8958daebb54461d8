namespace XMonitor.Bpf.Btf;

/// <summary>The linkage of a BTF function or variable.</summary>
public enum BtfLinkage
{
    /// <summary>Static: visible in its compilation unit only.</summary>
    Static = 0,
    /// <summary>Global and defined here.</summary>
    Global = 1,
    /// <summary>Declared here, defined elsewhere (<c>extern</c>).</summary>
    Extern = 2,
}
