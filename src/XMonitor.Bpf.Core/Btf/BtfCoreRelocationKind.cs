namespace XMonitor.Bpf.Btf;

/// <summary>What a CO-RE relocation asks the loader to compute (<c>enum bpf_core_relo_kind</c>).</summary>
public enum BtfCoreRelocationKind
{
    /// <summary>The byte offset of a field.</summary>
    FieldByteOffset = 0,
    /// <summary>The byte size of a field.</summary>
    FieldByteSize = 1,
    /// <summary>Whether a field exists.</summary>
    FieldExists = 2,
    /// <summary>Whether a field is signed.</summary>
    FieldSigned = 3,
    /// <summary>The left shift that extracts a bitfield.</summary>
    FieldLeftShiftU64 = 4,
    /// <summary>The right shift that extracts a bitfield.</summary>
    FieldRightShiftU64 = 5,
    /// <summary>The type id in the object's BTF.</summary>
    TypeIdLocal = 6,
    /// <summary>The type id in the target (kernel) BTF.</summary>
    TypeIdTarget = 7,
    /// <summary>Whether a type exists in the target.</summary>
    TypeExists = 8,
    /// <summary>The size of a type in the target.</summary>
    TypeSize = 9,
    /// <summary>Whether an enumerator exists.</summary>
    EnumValueExists = 10,
    /// <summary>The value of an enumerator.</summary>
    EnumValue = 11,
    /// <summary>Whether a type matches the target's (<c>bpf_core_type_matches</c>).</summary>
    TypeMatches = 12,
}
