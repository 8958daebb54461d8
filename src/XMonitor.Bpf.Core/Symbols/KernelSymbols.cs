using System.Globalization;

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

    /// <summary>Reads /proc/kallsyms now (about 120,000 lines; tens of milliseconds).</summary>
    public static KernelSymbols Load() => Parse(File.ReadLines("/proc/kallsyms"));

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
