namespace XMonitor.Bpf;

/// <summary>One line of /proc/kallsyms.</summary>
/// <param name="Address">The symbol's start address.</param>
/// <param name="Type">nm's type letter: <c>T</c>/<c>t</c> text, <c>D</c>/<c>d</c> data, <c>B</c>/<c>b</c> bss...</param>
/// <param name="Name">The symbol name.</param>
/// <param name="Module">The module it belongs to, or null for the kernel image.</param>
public sealed record KernelSymbol(ulong Address, char Type, string Name, string? Module)
{
    /// <summary>True for functions (text symbols).</summary>
    public bool IsFunction => Type is 'T' or 't' or 'W' or 'w';
}
