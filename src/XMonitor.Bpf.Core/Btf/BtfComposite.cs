namespace XMonitor.Bpf.Btf;

/// <summary>A struct or union (<c>BTF_KIND_STRUCT</c>, <c>BTF_KIND_UNION</c>); <see cref="BtfType.Kind"/> says which.</summary>
public sealed class BtfComposite : BtfType
{
    internal BtfComposite(BtfSpec spec, int id, BtfKind kind, ReadOnlySpan<byte> record) : base(spec, id, kind, record)
    {
        Size = U32(record, 8);
        HasBitfieldEncoding = KindFlag(record);
        var members = new BtfMember[Vlen(record)];
        for (var i = 0; i < members.Length; i++)
        {
            var at = 12 + i * 12;
            var offset = U32(record, at + 8);
            // With kind_flag set the offset word packs the bitfield size in its top byte; without
            // it, the whole word is the bit offset and bitfield widths come from the INT type.
            var bitOffset = HasBitfieldEncoding ? offset & 0x00ff_ffff : offset;
            var bitfieldSize = HasBitfieldEncoding ? (int)(offset >> 24) : 0;
            members[i] = new BtfMember(spec, spec.GetString((int)U32(record, at)), (int)U32(record, at + 4), bitOffset, bitfieldSize);
        }
        Members = members;
    }

    /// <summary>The size in bytes.</summary>
    public uint Size { get; }

    /// <summary>True for a union, false for a struct.</summary>
    public bool IsUnion => Kind == BtfKind.Union;

    /// <summary>
    /// True when the record uses kind_flag member encoding, which stores bitfield sizes per member.
    /// Without it (old encoders) <see cref="BtfMember.BitfieldSize"/> is 0 and a bitfield shows
    /// only as an INT member type narrower than its storage.
    /// </summary>
    public bool HasBitfieldEncoding { get; }

    /// <summary>The members in declaration order.</summary>
    public IReadOnlyList<BtfMember> Members { get; }
}
