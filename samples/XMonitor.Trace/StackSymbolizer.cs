using System.Globalization;
using System.Runtime.InteropServices;
using XMonitor.Bpf;

namespace XMonitor.Trace;

/// <summary>
/// Reads stacks from the kernel side's stack trace map and names their frames: kernel frames through
/// /proc/kallsyms, user frames through the process's /proc/PID/maps and the ELF symbols of the mapped
/// files (<c>module+0xoff</c> when no symbol covers the address).
/// </summary>
internal sealed class StackSymbolizer(BpfMap stackMap, KernelSymbols? kernel) : IDisposable
{
    private const int Depth = 127;
    private const string Scanned = " [scan]";
    private readonly CallSites _callSites = new();
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
    /// The user stack: the frame-pointer walk the kernel did, completed by scanning the copied stack
    /// words for return addresses (a word in an executable file mapping, just after a call
    /// instruction). Frames only the scan found are marked [scan]: a stale return address left in
    /// a frame's unused slots can look the same.
    /// </summary>
    public IReadOnlyList<string>? User(int stackId, uint pid, ReadOnlySpan<byte> stackCopy)
    {
        if (stackId == -1)
            return null;
        if (Read(stackId) is not { } walked || walked.Length == 0)
            return Lost(stackId);
        var scanned = new List<ulong>();
        for (var i = 0; i + 8 <= stackCopy.Length; i += 8)
        {
            var word = BitConverter.ToUInt64(stackCopy[i..]);
            if (Mapping(pid, word) is { IsFile: true } m && _callSites.FollowsCall(m, word))
                scanned.Add(word);
        }
        // The walk's frames that are real addresses; frame pointers through libc give garbage.
        var valid = walked.Skip(1).Where(a => Mapping(pid, a) is not null).ToList();
        var frames = new List<(ulong Address, bool ScanOnly)> { (walked[0], false) };
        frames.AddRange(scanned.Select(a => (a, !valid.Contains(a))));
        var lastShared = valid.FindLastIndex(scanned.Contains);
        frames.AddRange(valid.Skip(lastShared + 1).Where(a => !scanned.Contains(a)).Select(a => (a, false)));
        // Every frame but the first is a return address, just past its call: the call itself is one byte before.
        return [.. frames.Select((f, i) => UserFrame(pid, i == 0 ? f.Address : f.Address - 1) + (f.ScanOnly ? Scanned : ""))];
    }

    public void Dispose() => _callSites.Dispose();

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
        if (elf?.AddressOf(fileOffset) is { } linked && elf.TryResolve(linked, out var name, out var offset))
            return $"{name}+0x{offset:x} ({module})";
        return $"{module}+0x{fileOffset:x}";
    }

    private MemoryMapping? Mapping(uint pid, ulong address)
    {
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
