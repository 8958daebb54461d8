namespace XMonitor.Bpf.Prometheus;

/// <summary>One program's health as a scrape reads it: identity, attachment, and run statistics when the kernel keeps them.</summary>
internal readonly record struct ProgramHealth(string Probe, string Program, string AttachKind, string Target, bool Attached, BpfProgramStatistics? Statistics)
{
    /// <summary>
    /// Reads the programs a collector handed over. A program is attached while any of its links is;
    /// its kind and target come from the link, or from its section when it has none.
    /// </summary>
    public static void Gather(IBpfMetricsCollector collector, bool readStatistics, List<ProgramHealth> rows)
    {
        var byProgram = new Dictionary<BpfProgram, (string Kind, string Target, bool Attached)>(ReferenceEqualityComparer.Instance);
        var order = new List<BpfProgram>();
        foreach (var link in collector.Links)
        {
            if (!byProgram.TryGetValue(link.Program, out var seen))
                order.Add(link.Program);
            else if (seen.Attached && !link.IsAttached)
                continue;
            byProgram[link.Program] = (link.Kind.Name(), link.Target, link.IsAttached);
        }
        foreach (var program in collector.Programs)
        {
            if (byProgram.TryAdd(program, (program.AttachKind.Name(), program.SectionTarget, false)))
                order.Add(program);
        }
        foreach (var program in order)
        {
            var (kind, target, attached) = byProgram[program];
            BpfProgramStatistics? statistics = null;
            if (readStatistics && program.IsLoaded)
                statistics = program.GetStatistics();
            rows.Add(new ProgramHealth(collector.ProbeName, program.Name, kind, target, attached, statistics));
        }
    }
}
