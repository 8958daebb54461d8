namespace XMonitor.Trace;

/// <summary>
/// An ELF file's .eh_frame (DWARF call frame information, the table debuggers and C++ exceptions
/// unwind by): for an address, how to find the caller's return address and rbp without frame
/// pointers. Enough of the CFA instruction set for compiled C code; a CFA given by a DWARF
/// expression (PLT stubs, signal trampolines) ends the unwind.
/// </summary>
internal sealed class CallFrameInfo
{
    private const int RegBp = 6;
    private const int RegSp = 7;
    private readonly byte[] _data;
    private readonly ulong _sectionAddress;
    private readonly Fde[] _fdes;

    private CallFrameInfo(byte[] data, ulong sectionAddress)
    {
        _data = data;
        _sectionAddress = sectionAddress;
        _fdes = [.. Parse().OrderBy(f => f.Begin)];
    }

    /// <summary>Reads .eh_frame bytes loaded at <paramref name="sectionAddress"/>; null when they are malformed.</summary>
    public static CallFrameInfo? Load(byte[] data, ulong sectionAddress)
    {
        try
        {
            return new CallFrameInfo(data, sectionAddress);
        }
        catch (Exception e) when (e is InvalidDataException or IndexOutOfRangeException or ArgumentOutOfRangeException)
        {
            return null;
        }
    }

    /// <summary>The rule at link-time address <paramref name="address"/>, or null when no FDE covers it or it cannot be followed.</summary>
    public CfaRule? Find(ulong address)
    {
        var lo = 0;
        var hi = _fdes.Length - 1;
        while (lo <= hi)
        {
            var mid = (lo + hi) / 2;
            var f = _fdes[mid];
            if (address < f.Begin)
                hi = mid - 1;
            else if (address >= f.End)
                lo = mid + 1;
            else
            {
                try
                {
                    return Execute(f.Cie, f.Begin, f.Start, f.InstructionsEnd, address);
                }
                catch (Exception e) when (e is InvalidDataException or IndexOutOfRangeException or ArgumentOutOfRangeException)
                {
                    return null;
                }
            }
        }
        return null;
    }

    private readonly record struct Fde(ulong Begin, ulong End, int Start, int InstructionsEnd, Cie Cie);

    private sealed record Cie(ulong CodeAlign, long DataAlign, int ReturnRegister, byte FdeEncoding, bool HasAugmentationData, int Start, int End);

    private struct State
    {
        public int CfaRegister;
        public long CfaOffset;
        public long? ReturnOffset;
        public long? BpOffset;
        public bool Unsupported;
    }

    private List<Fde> Parse()
    {
        var fdes = new List<Fde>();
        var cies = new Dictionary<int, Cie>();
        var r = new DwarfReader(_data);
        while (r.Position + 4 <= _data.Length)
        {
            var start = r.Position;
            ulong length = r.U32();
            if (length == 0)
                break;
            if (length == 0xffffffff)
                length = r.U64();
            var idPosition = r.Position;
            if (length < 4 || length > (ulong)(_data.Length - idPosition))
                throw new InvalidDataException($"entry at 0x{start:x} runs past the section");
            var end = idPosition + (int)length;
            var id = r.U32();
            if (id == 0)
                cies[start] = ParseCie(r, end);
            else
            {
                var ciePosition = idPosition - (long)id;
                if (ciePosition < 0)
                    throw new InvalidDataException($"entry at 0x{start:x} points before the section");
                if (!cies.TryGetValue((int)ciePosition, out var cie))
                {
                    var saved = r.Position;
                    r.Position = (int)ciePosition;
                    var cieLength = r.U32();
                    if (cieLength > (ulong)(_data.Length - r.Position) || r.U32() != 0)
                        throw new InvalidDataException($"entry at 0x{start:x} names no CIE");
                    cie = ParseCie(r, (int)ciePosition + 4 + (int)cieLength);
                    cies[(int)ciePosition] = cie;
                    r.Position = saved;
                }
                var begin = ReadPointer(r, cie.FdeEncoding);
                var range = ReadPointer(r, (byte)(cie.FdeEncoding & 0x0f));
                if (cie.HasAugmentationData)
                    r.Skip((long)r.Uleb());
                fdes.Add(new Fde(begin, begin + range, r.Position, end, cie));
            }
            r.Position = end;
        }
        return fdes;
    }

    private Cie ParseCie(DwarfReader r, int end)
    {
        var version = r.U8();
        var augmentation = r.CString();
        if (augmentation.Contains("eh", StringComparison.Ordinal))
            r.U64();
        var codeAlign = r.Uleb();
        var dataAlign = r.Sleb();
        var returnRegister = version == 1 ? r.U8() : (int)r.Uleb();
        byte fdeEncoding = 0;
        var hasData = augmentation.StartsWith('z');
        if (hasData)
        {
            var dataLength = r.Uleb();
            if (dataLength > (ulong)(end - r.Position))
                throw new InvalidDataException("CIE augmentation data runs past the entry");
            var dataEnd = r.Position + (int)dataLength;
            foreach (var c in augmentation[1..])
            {
                switch (c)
                {
                    case 'R': fdeEncoding = r.U8(); break;
                    case 'L': r.U8(); break;
                    case 'P': ReadPointer(r, r.U8()); break;
                }
            }
            r.Position = dataEnd;
        }
        return new Cie(codeAlign, dataAlign, returnRegister, fdeEncoding, hasData, r.Position, end);
    }

    // DW_EH_PE_*: the low nibble is the format, 0x10 makes it relative to where it is stored.
    private ulong ReadPointer(DwarfReader r, byte encoding)
    {
        var at = _sectionAddress + (ulong)r.Position;
        ulong value = (encoding & 0x0f) switch
        {
            0x00 => r.U64(),
            0x01 => r.Uleb(),
            0x02 => r.U16(),
            0x03 => r.U32(),
            0x04 => r.U64(),
            0x09 => (ulong)r.Sleb(),
            0x0a => (ulong)(long)(short)r.U16(),
            0x0b => (ulong)(long)(int)r.U32(),
            0x0c => r.U64(),
            _ => throw new InvalidDataException($"pointer encoding 0x{encoding:x2}"),
        };
        return (encoding & 0x70) == 0x10 ? at + value : value;
    }

    private CfaRule? Execute(Cie cie, ulong begin, int start, int end, ulong target)
    {
        var state = new State { CfaRegister = RegSp, CfaOffset = 8 };
        var initial = state;
        var remembered = new Stack<State>();
        Run(cie, ref state, ref initial, remembered, cie.Start, cie.End, ulong.MaxValue, 0, isCie: true);
        initial = state;
        Run(cie, ref state, ref initial, remembered, start, end, target, begin, isCie: false);
        if (state.Unsupported || state.ReturnOffset is not { } ra || state.CfaRegister is not (RegSp or RegBp))
            return null;
        return new CfaRule(state.CfaRegister, state.CfaOffset, ra, state.BpOffset);
    }

    private void Run(Cie cie, ref State s, ref State initial, Stack<State> remembered, int start, int end, ulong target, ulong location, bool isCie)
    {
        var r = new DwarfReader(_data, start);
        while (r.Position < end && !s.Unsupported)
        {
            var op = r.U8();
            ulong advance = 0;
            switch (op >> 6)
            {
                case 1: advance = (ulong)(op & 0x3f) * cie.CodeAlign; break;
                case 2: SetOffset(ref s, cie, op & 0x3f, (long)r.Uleb() * cie.DataAlign); continue;
                case 3: Restore(ref s, initial, cie, op & 0x3f); continue;
            }
            if (op >> 6 == 0)
            {
                switch (op)
                {
                    case 0x00: break;
                    case 0x01: location = ReadPointer(r, cie.FdeEncoding); break;
                    case 0x02: advance = r.U8() * cie.CodeAlign; break;
                    case 0x03: advance = r.U16() * cie.CodeAlign; break;
                    case 0x04: advance = r.U32() * cie.CodeAlign; break;
                    case 0x05: SetOffset(ref s, cie, (int)r.Uleb(), (long)r.Uleb() * cie.DataAlign); break;
                    case 0x06: Restore(ref s, initial, cie, (int)r.Uleb()); break;
                    case 0x07 or 0x08: Forget(ref s, cie, (int)r.Uleb(), op == 0x07); break;
                    case 0x09: Forget(ref s, cie, (int)r.Uleb(), undefined: true); r.Uleb(); break;
                    case 0x0a: remembered.Push(s); break;
                    case 0x0b: if (remembered.Count > 0) s = remembered.Pop(); break;
                    case 0x0c: s.CfaRegister = (int)r.Uleb(); s.CfaOffset = (long)r.Uleb(); break;
                    case 0x0d: s.CfaRegister = (int)r.Uleb(); break;
                    case 0x0e: s.CfaOffset = (long)r.Uleb(); break;
                    case 0x0f: s.Unsupported = true; break;
                    case 0x10 or 0x16: Forget(ref s, cie, (int)r.Uleb(), undefined: true); r.Skip((long)r.Uleb()); break;
                    case 0x11: SetOffset(ref s, cie, (int)r.Uleb(), r.Sleb() * cie.DataAlign); break;
                    case 0x12: s.CfaRegister = (int)r.Uleb(); s.CfaOffset = r.Sleb() * cie.DataAlign; break;
                    case 0x13: s.CfaOffset = r.Sleb() * cie.DataAlign; break;
                    case 0x14 or 0x15: Forget(ref s, cie, (int)r.Uleb(), undefined: true); r.Uleb(); break;
                    case 0x2e: r.Uleb(); break;
                    default: s.Unsupported = true; break;
                }
            }
            if (advance == 0 || isCie)
                continue;
            location += advance;
            if (location > target)
                return;
        }
    }

    private static void SetOffset(ref State s, Cie cie, int register, long offset)
    {
        if (register == RegBp)
            s.BpOffset = offset;
        else if (register == cie.ReturnRegister)
            s.ReturnOffset = offset;
    }

    private static void Restore(ref State s, State initial, Cie cie, int register)
    {
        if (register == RegBp)
            s.BpOffset = initial.BpOffset;
        else if (register == cie.ReturnRegister)
            s.ReturnOffset = initial.ReturnOffset;
    }

    // The caller's rbp or return address cannot be found from here on.
    private static void Forget(ref State s, Cie cie, int register, bool undefined)
    {
        if (register == RegBp && undefined)
            s.Unsupported = true;
        else if (register == RegBp)
            s.BpOffset = null;
        else if (register == cie.ReturnRegister)
            s.ReturnOffset = null;
    }
}
