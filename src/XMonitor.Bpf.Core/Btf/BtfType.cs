using System.Buffers.Binary;

namespace XMonitor.Bpf.Btf;

/// <summary>
/// One BTF type. Each kind has its own subclass (<see cref="BtfInt"/>, <see cref="BtfComposite"/>,
/// ...); type objects are created on first access from the <see cref="BtfSpec"/> they belong to.
/// </summary>
public abstract class BtfType
{
    private readonly int _nameOffset;
    private string? _name;

    private protected BtfType(BtfSpec spec, int id, BtfKind kind, ReadOnlySpan<byte> record)
    {
        Spec = spec;
        Id = id;
        Kind = kind;
        _nameOffset = record.IsEmpty ? 0 : (int)U32(record, 0);
    }

    /// <summary>The BTF this type belongs to; its other type references resolve there.</summary>
    public BtfSpec Spec { get; }

    /// <summary>The type id (0 is <c>void</c>).</summary>
    public int Id { get; }

    /// <summary>The kind of the type.</summary>
    public BtfKind Kind { get; }

    /// <summary>The name, or an empty string for anonymous types.</summary>
    public string Name => _name ??= Spec.GetString(_nameOffset);

    /// <summary>True when the type has no name.</summary>
    public bool IsAnonymous => _nameOffset == 0 || Name.Length == 0;

    /// <summary>
    /// The id this type refers to for kinds that wrap one other type (pointer, typedef, qualifiers,
    /// type tag, func, var, decl tag); 0 otherwise.
    /// </summary>
    internal virtual int ReferencedId => 0;

    /// <summary>Describes the type like <c>STRUCT 'task_struct' (id 42)</c>.</summary>
    public override string ToString() => $"{Kind} '{(IsAnonymous ? "(anon)" : Name)}' (id {Id})";

    private protected static uint U32(ReadOnlySpan<byte> record, int offset)
        => BinaryPrimitives.ReadUInt32LittleEndian(record[offset..]);

    private protected static uint Info(ReadOnlySpan<byte> record) => U32(record, 4);

    private protected static int Vlen(ReadOnlySpan<byte> record) => (int)(Info(record) & 0xffff);

    private protected static bool KindFlag(ReadOnlySpan<byte> record) => (Info(record) & 0x8000_0000) != 0;
}
