namespace XMonitor.ElfInspector;

/// <summary>The inspector's arguments.</summary>
internal sealed record CommandLine(string? File, bool Json, bool Lines, bool Vmlinux, string? TypeName)
{
    public static CommandLine? Parse(string[] args)
    {
        string? file = null, type = null;
        bool json = false, lines = false, vmlinux = false;
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--json": json = true; break;
                case "--lines": lines = true; break;
                case "--vmlinux": vmlinux = true; break;
                case "--type" when i + 1 < args.Length: type = args[++i]; break;
                case var a when !a.StartsWith("--", StringComparison.Ordinal) && file is null: file = a; break;
                default: return null;
            }
        }
        if (vmlinux ? type is null || file is not null : file is null)
            return null;
        return new CommandLine(file, json, lines, vmlinux, type);
    }
}
