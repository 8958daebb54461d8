namespace XMonitor.Bpf;

/// <summary>Maps libbpf section names (<c>SEC("tp_btf/sched_switch")</c>) to attach kinds and targets.</summary>
internal static class BpfAttachKinds
{
    private static readonly (string Prefix, BpfAttachKind Kind)[] Prefixes =
    [
        ("kprobe/", BpfAttachKind.Kprobe), ("kretprobe/", BpfAttachKind.Kretprobe),
        ("ksyscall/", BpfAttachKind.Kprobe), ("kretsyscall/", BpfAttachKind.Kretprobe),
        ("tp/", BpfAttachKind.Tracepoint), ("tracepoint/", BpfAttachKind.Tracepoint),
        ("raw_tp/", BpfAttachKind.RawTracepoint), ("raw_tracepoint/", BpfAttachKind.RawTracepoint),
        ("tp_btf/", BpfAttachKind.BtfRawTracepoint),
        ("fentry/", BpfAttachKind.Fentry), ("fexit/", BpfAttachKind.Fexit),
        ("uprobe", BpfAttachKind.Uprobe), ("uretprobe", BpfAttachKind.Uretprobe),
        ("perf_event", BpfAttachKind.PerfEvent),
    ];

    internal static BpfAttachKind FromSection(string section, out string target)
    {
        foreach (var (prefix, kind) in Prefixes)
        {
            if (section.StartsWith(prefix, StringComparison.Ordinal))
            {
                var rest = section[prefix.Length..];
                target = rest.StartsWith('/') ? rest[1..] : rest;
                return kind;
            }
        }
        target = section;
        return BpfAttachKind.Other;
    }

    /// <summary>A feature name for messages: <c>fentry (fentry/vfs_read)</c>.</summary>
    internal static string Describe(string section)
    {
        var kind = FromSection(section, out _);
        return kind == BpfAttachKind.Other ? section : $"{kind.Name()} ({section})";
    }
}
