namespace XMonitor.Bpf;

/// <summary>Names the C type a generated skeleton struct or enum mirrors, for tools and layout checks.</summary>
/// <param name="kind">The BTF kind: <c>struct</c>, <c>union</c> or <c>enum</c>.</param>
/// <param name="name">The C name, empty for an anonymous type.</param>
[AttributeUsage(AttributeTargets.Struct | AttributeTargets.Enum, Inherited = false)]
public sealed class BtfTypeAttribute(string kind, string name) : Attribute
{
    /// <summary>The BTF kind: <c>struct</c>, <c>union</c> or <c>enum</c>.</summary>
    public string Kind { get; } = kind;

    /// <summary>The C name, empty for an anonymous type.</summary>
    public string Name { get; } = name;
}
