namespace XMonitor.Bpf.Btf;

/// <summary>A parameter of a function prototype.</summary>
public sealed class BtfParameter
{
    private readonly BtfSpec _spec;

    internal BtfParameter(BtfSpec spec, string name, int typeId)
    {
        _spec = spec;
        Name = name;
        TypeId = typeId;
    }

    /// <summary>The parameter name; empty when the prototype does not name it.</summary>
    public string Name { get; }

    /// <summary>The id of the parameter type.</summary>
    public int TypeId { get; }

    /// <summary>The parameter type.</summary>
    public BtfType Type => _spec.Types[TypeId];
}
