using System.Globalization;
using System.Text;

namespace XMonitor.Bpf;

/// <summary>
/// The kernel's symbol table from /proc/kallsyms: address to symbol (for kernel stacks) and name
/// to address (to check that a kprobe target exists). Reading needs root for real addresses;
/// without it the kernel shows zeros and <see cref="AddressesVisible"/> is false.
/// </summary>
public sealed class KernelSymbols
{
    private readonly ulong[] _addresses;
    private readonly KernelSymbol[] _symbols;
    private readonly Dictionary<string, KernelSymbol> _byName;

    private KernelSymbols(List<KernelSymbol> symbols)
    {
        symbols.Sort((a, b) => a.Address.CompareTo(b.Address));
        _symbols = [.. symbols];
        _addresses = [.. symbols.Select(s => s.Address)];
        _byName = new Dictionary<string, KernelSymbol>(symbols.Count, StringComparer.Ordinal);
        foreach (var s in symbols)
            _byName.TryAdd(s.Name, s);
        AddressesVisible = _addresses.Length > 0 && _addresses[^1] != 0;
    }

    /// <summary>
    /// Reads /proc/kallsyms now: about 120,000 lines, ~34 MB allocated and 100-200 ms. To check
    /// whether a few functions exist, <see cref="SelectExisting(IEnumerable{string})"/> is far cheaper.
    /// </summary>
    public static KernelSymbols Load() => Parse(File.ReadLines("/proc/kallsyms"));

    /// <summary>
    /// Which of <paramref name="names"/> /proc/kallsyms has (in the kernel or a module), read in one
    /// pass that keeps no other symbol: how a probe checks its kprobe targets without the ~34 MB
    /// that <see cref="Load"/> allocates for all ~120,000 symbols (the kernel's ~40 ms of formatting
    /// the file remain).
    /// </summary>
    /// <exception cref="IOException">/proc/kallsyms cannot be read.</exception>
    public static IReadOnlySet<string> SelectExisting(IEnumerable<string> names)
    {
        ArgumentNullException.ThrowIfNull(names);
        using var kallsyms = new FileStream("/proc/kallsyms", FileMode.Open, FileAccess.Read, FileShare.ReadWrite, bufferSize: 0);
        return SelectExisting(kallsyms, names);
    }

    /// <summary><see cref="SelectExisting(IEnumerable{string})"/> on text in the format of /proc/kallsyms.</summary>
    internal static IReadOnlySet<string> SelectExisting(Stream kallsyms, IEnumerable<string> names)
    {
        var wanted = names.Distinct(StringComparer.Ordinal).Select(n => (Name: n, Utf8: Encoding.UTF8.GetBytes(n))).ToList();
        var found = new HashSet<string>(StringComparer.Ordinal);
        // Under the large object heap's 85,000 bytes, and far longer than a line (names are at most 512 bytes).
        var buffer = new byte[64 * 1024];
        var filled = 0;
        while (wanted.Count > 0)
        {
            var read = kallsyms.Read(buffer, filled, buffer.Length - filled);
            filled += read;
            var text = buffer.AsSpan(0, filled);
            var consumed = 0;
            while (text[consumed..].IndexOf((byte)'\n') is var newline and >= 0)
            {
                MatchLine(text.Slice(consumed, newline), wanted, found);
                consumed += newline + 1;
            }
            if (read == 0)
            {
                // The last line may lack its newline.
                MatchLine(text[consumed..], wanted, found);
                break;
            }
            if (consumed == 0 && filled == buffer.Length)
                throw new IOException($"kallsyms has a line longer than {buffer.Length} bytes");
            text[consumed..].CopyTo(buffer);
            filled -= consumed;
        }
        return found;
    }

    // "address type name" or "address type name\t[module]", as Parse reads it.
    private static void MatchLine(ReadOnlySpan<byte> line, List<(string Name, byte[] Utf8)> wanted, HashSet<string> found)
    {
        var first = line.IndexOf((byte)' ');
        if (first <= 0 || first + 3 > line.Length || line[first + 2] != (byte)' ')
            return;
        var name = line[(first + 3)..];
        if (name.IndexOf((byte)'\t') is var tab and >= 0)
            name = name[..tab];
        for (var i = 0; i < wanted.Count; i++)
        {
            if (name.SequenceEqual(wanted[i].Utf8))
            {
                found.Add(wanted[i].Name);
                wanted.RemoveAt(i);
                return;
            }
        }
    }

    /// <summary>Parses lines in the format of /proc/kallsyms: <c>address type name [module]</c>.
    /// Lines that do not parse are skipped.</summary>
    public static KernelSymbols Parse(IEnumerable<string> lines)
    {
        ArgumentNullException.ThrowIfNull(lines);
        var symbols = new List<KernelSymbol>(130_000);
        foreach (var line in lines)
        {
            var span = line.AsSpan();
            var first = span.IndexOf(' ');
            if (first <= 0 || first + 3 > span.Length || span[first + 2] != ' ')
                continue;
            if (!ulong.TryParse(span[..first], NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var address))
                continue;
            var type = span[first + 1];
            var rest = span[(first + 3)..];
            string? module = null;
            var tab = rest.IndexOf('\t');
            if (tab >= 0)
            {
                module = rest[(tab + 1)..].Trim().Trim("[]").ToString();
                rest = rest[..tab];
            }
            if (rest.IsEmpty)
                continue;
            symbols.Add(new KernelSymbol(address, type, rest.ToString(), module));
        }
        return new KernelSymbols(symbols);
    }

    /// <summary>Number of symbols.</summary>
    public int Count => _symbols.Length;

    /// <summary>False when the kernel hid addresses (kptr_restrict without privilege): lookups by address then find nothing.</summary>
    public bool AddressesVisible { get; }

    /// <summary>Finds the symbol that contains <paramref name="address"/>: the nearest one at or below it.</summary>
    /// <param name="address">A kernel address, for example a stack frame.</param>
    /// <param name="symbol">The symbol.</param>
    /// <param name="offset">How far into the symbol the address is.</param>
    public bool TryResolve(ulong address, out KernelSymbol symbol, out ulong offset)
    {
        symbol = null!;
        offset = 0;
        if (!AddressesVisible)
            return false;
        var i = Array.BinarySearch(_addresses, address);
        if (i < 0)
            i = ~i - 1;
        if (i < 0)
            return false;
        // Several symbols can share an address; the last one at it was found, any of them is right.
        symbol = _symbols[i];
        offset = address - symbol.Address;
        return true;
    }

    /// <summary>Formats <paramref name="address"/> as <c>name+0x1a</c> (or hex when unknown), like BCC's stack output.</summary>
    public string Format(ulong address)
        => TryResolve(address, out var s, out var off)
            ? (off == 0 ? s.Name : $"{s.Name}+0x{off:x}") + (s.Module is null ? "" : $" [{s.Module}]")
            : $"0x{address:x}";

    /// <summary>Finds a symbol by exact name (the first one when a name repeats).</summary>
    public bool TryGetSymbol(string name, out KernelSymbol symbol)
        => _byName.TryGetValue(name, out symbol!);

    /// <summary>True when the kernel has a symbol <paramref name="name"/>: how probes pick between
    /// old and new function names (<c>add_to_page_cache_lru</c> or <c>filemap_add_folio</c>).</summary>
    public bool Contains(string name) => _byName.ContainsKey(name);
}
