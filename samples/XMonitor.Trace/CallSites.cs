using Microsoft.Win32.SafeHandles;

namespace XMonitor.Trace;

/// <summary>
/// Tells whether an address in a mapped file follows an x86-64 call instruction, by reading the
/// bytes before it from the file: what makes a stack word a plausible return address when the
/// stack is scanned instead of walked.
/// </summary>
internal sealed class CallSites : IDisposable
{
    private const int Longest = 7;
    private readonly Dictionary<string, SafeFileHandle?> _files = [];

    public bool FollowsCall(MemoryMapping mapping, ulong address)
    {
        var fileOffset = address - mapping.Start + mapping.FileOffset;
        if (fileOffset < Longest || Handle(mapping.Path) is not { } handle)
            return false;
        Span<byte> b = stackalloc byte[Longest];
        if (RandomAccess.Read(handle, b, (long)fileOffset - Longest) != Longest)
            return false;
        // b[7 - n] is the first byte of an n-byte instruction ending at the address.
        if (b[2] == 0xE8)
            return true; // call rel32
        return IndirectCall(b[5], b[6], 2) || IndirectCall(b[4], b[5], 3) || IndirectCall(b[3], b[4], 4)
            || IndirectCall(b[1], b[2], 6) || IndirectCall(b[0], b[1], 7);
    }

    public void Dispose()
    {
        foreach (var h in _files.Values)
            h?.Dispose();
        _files.Clear();
    }

    // FF /2: call r/m64; its length follows from the ModRM byte (and a SIB byte when rm = 100).
    private static bool IndirectCall(byte opcode, byte modrm, int length)
    {
        if (opcode != 0xFF || ((modrm >> 3) & 7) != 2)
            return false;
        var (mod, rm) = (modrm >> 6, modrm & 7);
        var sib = rm == 4 && mod != 3 ? 1 : 0;
        var displacement = mod switch { 1 => 1, 2 => 4, 0 when rm == 5 => 4, _ => 0 };
        return 2 + sib + displacement == length;
    }

    private SafeFileHandle? Handle(string path)
    {
        if (_files.TryGetValue(path, out var handle))
            return handle;
        try
        {
            handle = File.OpenHandle(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            handle = null;
        }
        return _files[path] = handle;
    }
}
