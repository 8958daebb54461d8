using XMonitor.Bpf;

namespace XMonitor.Trace;

/// <summary>
/// The kernel functions chosen with -K, with their addresses from /proc/kallsyms, to name the
/// kprobe records: a record carries the probe's address, which lies inside the function (after
/// the breakpoint or the ftrace call), not the function's own start.
/// </summary>
internal sealed class KernelFunctions
{
    private readonly (ulong Address, string Name)[] _byAddress;

    private KernelFunctions(IEnumerable<KernelSymbol> functions)
    {
        _byAddress = [.. functions.Select(f => (f.Address, f.Name)).Distinct().OrderBy(f => f.Address)];
    }

    public IEnumerable<string> Names => _byAddress.Select(f => f.Name);

    /// <summary>The functions of <paramref name="names"/>; null with <paramref name="error"/> set when
    /// one is not a function the kernel has (a kprobe on it could not attach).</summary>
    public static KernelFunctions? Find(IReadOnlyList<string> names, KernelSymbols kallsyms, out string? error)
    {
        var found = new List<KernelSymbol>(names.Count);
        error = null;
        foreach (var name in names)
        {
            if (!kallsyms.Contains(name))
                error = $"no kernel function '{name}' (not in /proc/kallsyms)";
            else if (!kallsyms.TryGetSymbol(name, out var symbol) || !symbol.IsFunction)
                error = $"kernel symbol '{name}' is not a function";
            else
            {
                found.Add(symbol);
                continue;
            }
            return null;
        }
        return new KernelFunctions(found);
    }

    /// <summary>The chosen function that contains <paramref name="probeAddress"/>: the nearest at or below it.</summary>
    public string NameAt(ulong probeAddress)
    {
        var name = _byAddress[0].Name;
        foreach (var (address, n) in _byAddress)
        {
            if (address > probeAddress)
                break;
            name = n;
        }
        return name;
    }
}
