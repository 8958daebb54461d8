namespace XMonitor.Bpf.Btf;

/// <summary>How a BTF integer is interpreted (<c>BTF_INT_*</c>); none of the flags means unsigned.</summary>
[Flags]
public enum BtfIntEncoding
{
    /// <summary>An unsigned integer.</summary>
    None = 0,
    /// <summary>A signed integer.</summary>
    Signed = 1,
    /// <summary>A character type, printed as a character.</summary>
    Char = 2,
    /// <summary>A boolean.</summary>
    Bool = 4,
}
