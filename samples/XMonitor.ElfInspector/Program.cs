// xmon-elf: a thin front end over XMonitor.Bpf.Core's ELF and BTF readers.
//   xmon-elf FILE [--json] [--lines]        everything about a BPF object
//   xmon-elf FILE --type NAME               one type of the object's BTF, as C
//   xmon-elf --vmlinux --type NAME          one type of the running kernel's BTF, as C
using XMonitor.Bpf.Btf;
using XMonitor.Bpf.Elf;
using XMonitor.ElfInspector;

var options = CommandLine.Parse(args);
if (options is null)
{
    Console.Error.WriteLine("usage: xmon-elf FILE [--json] [--lines] | xmon-elf FILE --type NAME | xmon-elf --vmlinux --type NAME");
    return 2;
}

try
{
    if (options.Vmlinux)
    {
        Console.WriteLine(BtfCFormatter.Format(BtfSpec.LoadKernel().FindType(options.TypeName!)));
        return 0;
    }
    var elf = BpfElfFile.Load(options.File!);
    if (options.TypeName is not null)
    {
        var btf = elf.Btf ?? throw new BpfElfFormatException($"{options.File} has no .BTF section");
        Console.WriteLine(BtfCFormatter.Format(btf.FindType(options.TypeName)));
        return 0;
    }
    var report = ObjectReport.Build(options.File!, elf);
    Console.Write(options.Json ? report.ToJson() : report.ToText(options.Lines));
    return 0;
}
catch (Exception e) when (e is BpfElfFormatException or BtfFormatException or IOException or KeyNotFoundException)
{
    Console.Error.WriteLine($"xmon-elf: {e.Message}");
    return 1;
}
