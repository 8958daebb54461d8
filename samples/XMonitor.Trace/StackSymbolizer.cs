using System.Globalization;
using System.Runtime.InteropServices;
using XMonitor.Bpf;

namespace XMonitor.Trace;

/// <summary>
/// Reads stacks from the kernel side's stack trace map and names their frames: kernel frames through
/// /proc/kallsyms, user frames through the process's /proc/PID/maps and the ELF symbols of the mapped
/// files (<c>module+0xoff</c> when no symbol covers the address).
/// </summary>
internal sealed class StackSymbolizer(BpfMap stackMap, KernelSymbols? kernel)
{
    private const int Depth = 127;
    private const int MaxUnwound = 64;
    private const int CfaRegisterSp = 7;
    private const ulong MinUserAddress = 0x1000;
    private const ulong MaxUserAddress = 0x7fff_ffff_ffff;
    private readonly Dictionary<uint, ProcessMaps> _maps = [];
    private readonly Dictionary<string, ElfSymbols?> _files = [];

    public IReadOnlyList<string>? Kernel(int stackId)
    {
        if (stackId == -1)
            return null;
        if (Read(stackId) is not { } frames)
            return Lost(stackId);
        // The innermost frames are the BPF program and the tracepoint's trampoline, not the syscall.
        var names = frames.Select(a => kernel?.Format(a) ?? CString.Hex(a)).ToList();
        var first = names.FindIndex(n => !n.EndsWith(" [bpf]", StringComparison.Ordinal) && !n.StartsWith("bpf_trace_run", StringComparison.Ordinal) && !n.StartsWith("__bpf_trace_", StringComparison.Ordinal));
        return first <= 0 ? names : names[first..];
    }

    /// <summary>
    /// The user stack, unwound from the registers at the call through the copied stack by each
    /// module's .eh_frame, then continued with the kernel's frame-pointer walk beyond the copy.
    /// </summary>
    public IReadOnlyList<string>? User(int stackId, uint pid, UserRegisters registers, ReadOnlySpan<byte> stackCopy)
    {
        if (stackId == -1)
            return null;
        var walked = Read(stackId);
        var frames = registers.Ip == 0 ? [] : Unwind(pid, registers, stackCopy);
        if (walked is not null)
        {
            var valid = walked.Where(a => Mapping(pid, a) is not null).ToList();
            var lastShared = valid.FindLastIndex(frames.Contains);
            frames.AddRange(valid.Skip(lastShared + 1).Where(a => !frames.Contains(a)));
        }
        if (frames.Count == 0)
            return Lost(stackId);
        // Every frame but the first is a return address, just past its call: the call itself is one byte before.
        return [.. frames.Select((address, i) => UserFrame(pid, i == 0 ? address : address - 1))];
    }

    private List<ulong> Unwind(uint pid, UserRegisters registers, ReadOnlySpan<byte> stack)
    {
        var frames = new List<ulong> { registers.Ip };
        var (pc, sp, bp) = (registers.Ip, registers.Sp, registers.Bp);
        while (frames.Count < MaxUnwound)
        {
            var lookup = frames.Count == 1 ? pc : pc - 1;
            if (Mapping(pid, lookup) is not { IsFile: true } mapping
                || File(mapping.Path) is not { Frames: { } cfi } elf
                || elf.AddressOf(lookup - mapping.Start + mapping.FileOffset) is not { } linked
                || cfi.Find(linked) is not { } rule)
                break;
            var cfa = (rule.CfaRegister == CfaRegisterSp ? sp : bp) + (ulong)rule.CfaOffset;
            if (!TryRead(stack, registers.Sp, cfa + (ulong)rule.ReturnAddressOffset, out var returnAddress)
                || (rule.BpOffset is { } saved && !TryRead(stack, registers.Sp, cfa + (ulong)saved, out bp))
                || returnAddress == 0)
                break;
            (pc, sp) = (returnAddress, cfa);
            frames.Add(pc);
        }
        return frames;
    }

    private static bool TryRead(ReadOnlySpan<byte> stack, ulong stackStart, ulong address, out ulong value)
    {
        value = 0;
        var offset = address - stackStart;
        if (address < stackStart || offset > (ulong)stack.Length - 8 || stack.Length < 8)
            return false;
        value = BitConverter.ToUInt64(stack[(int)offset..]);
        return true;
    }

    /// <summary>Drops what is cached about <paramref name="pid"/>'s memory (after it executed a new image).</summary>
    public void Forget(uint pid) => _maps.Remove(pid);

    private string UserFrame(uint pid, ulong address)
    {
        var mapping = Mapping(pid, address);
        if (mapping is null)
            return CString.Hex(address);
        var fileOffset = address - mapping.Start + mapping.FileOffset;
        var module = Path.GetFileName(mapping.Path);
        if (!mapping.IsFile)
            return $"{mapping.Path}+0x{address - mapping.Start:x}";
        var elf = File(mapping.Path);
        if (elf?.AddressOf(fileOffset) is not { } linked)
            return $"{module}+0x{fileOffset:x}";
        var frame = elf.TryResolve(linked, out var name, out var offset) ? $"{name}+0x{offset:x} ({module})" : $"{module}+0x{fileOffset:x}";
        return elf.Lines?.Find(linked) is { } line ? $"{frame} {line}" : frame;
    }

    private MemoryMapping? Mapping(uint pid, ulong address)
    {
        // Frame-pointer walks through code without frame pointers yield garbage, often text
        // (0x6f6d782f746e6573): nothing outside user space is worth reading the maps again for.
        if (address < MinUserAddress || address > MaxUserAddress)
            return null;
        if (_maps.TryGetValue(pid, out var maps) && maps.Find(address) is { } found)
            return found;
        // Not cached, or mapped since the maps were read: read them again while the process lives.
        if (ProcessMaps.Read(pid) is not { } fresh)
            return maps?.Find(address);
        _maps[pid] = fresh;
        return fresh.Find(address);
    }

    private ElfSymbols? File(string path)
    {
        if (!_files.TryGetValue(path, out var symbols))
            _files[path] = symbols = ElfSymbols.Load(path);
        return symbols;
    }

    private ulong[]? Read(int stackId)
    {
        if (stackId < 0)
            return null;
        var frames = new ulong[Depth];
        if (!stackMap.TryLookup(MemoryMarshal.AsBytes([stackId]), MemoryMarshal.AsBytes(frames.AsSpan())))
            return null;
        var count = Array.IndexOf(frames, 0UL);
        return count < 0 ? frames : frames[..count];
    }

    private static string[] Lost(int stackId) =>
        [stackId < 0 ? $"[stack not captured: {ErrnoNames.ByNumber.GetValueOrDefault(-stackId) ?? (-stackId).ToString(CultureInfo.InvariantCulture)}]" : "[stack not found]"];
}
