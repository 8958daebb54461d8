using System.Globalization;

namespace XMonitor.Trace;

/// <summary>The <c>strace -c</c> table, from the kernel side's per-syscall counts.</summary>
internal static class SyscallSummary
{
    /// <summary>Sums the per-CPU counts of every syscall that was called.</summary>
    public static List<SummaryRow> Read(XMonitor.Bpf.BpfMap<uint, TraceSkeleton.SyscallStats> stats, int syscalls)
    {
        var perCpu = new TraceSkeleton.SyscallStats[XMonitor.Bpf.BpfMap.PossibleCpus];
        var rows = new List<SummaryRow>();
        for (uint nr = 0; nr < syscalls; nr++)
        {
            if (!stats.TryLookupPerCpu(nr, perCpu))
                continue;
            ulong calls = 0, errors = 0, total = 0;
            foreach (var s in perCpu)
                (calls, errors, total) = (calls + s.Calls, errors + s.Errors, total + s.TotalNs);
            if (calls > 0)
                rows.Add(new SummaryRow(CallDecoder.NameOf((int)nr), calls, errors, total));
        }
        return rows;
    }

    /// <summary>Sums the per-CPU counts of each traced kernel function (-K), keyed by its probe address.</summary>
    public static List<SummaryRow> ReadFunctions(XMonitor.Bpf.BpfMap<ulong, TraceSkeleton.SyscallStats> stats, KernelFunctions functions)
    {
        var perCpu = new TraceSkeleton.SyscallStats[XMonitor.Bpf.BpfMap.PossibleCpus];
        var rows = new List<SummaryRow>();
        foreach (var ip in stats.Keys)
        {
            if (!stats.TryLookupPerCpu(ip, perCpu))
                continue;
            ulong calls = 0, errors = 0, total = 0;
            foreach (var s in perCpu)
                (calls, errors, total) = (calls + s.Calls, errors + s.Errors, total + s.TotalNs);
            if (calls > 0)
                rows.Add(new SummaryRow(functions.NameAt(ip), calls, errors, total));
        }
        return rows;
    }

    /// <summary>Prints the table; <paramref name="what"/> heads the name column ("syscall" or "function").</summary>
    public static void Write(TextWriter output, IReadOnlyList<SummaryRow> rows, string what)
    {
        var total = rows.Aggregate(0UL, (t, r) => t + r.TotalNs);
        const string Rule = "------ ----------- ----------- --------- --------- ----------------";
        output.WriteLine($"% time     seconds  usecs/call     calls    errors {what}");
        output.WriteLine(Rule);
        foreach (var r in rows.OrderByDescending(r => r.TotalNs).ThenBy(r => r.Name, StringComparer.Ordinal))
        {
            var share = total == 0 ? 0 : 100.0 * r.TotalNs / total;
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{share,6:F2} {r.TotalNs / 1e9,11:F6} {r.TotalNs / 1000 / r.Calls,11} {r.Calls,9} {(r.Errors == 0 ? "" : r.Errors.ToString(CultureInfo.InvariantCulture)),9} {r.Name}"));
        }
        output.WriteLine(Rule);
        var calls = rows.Aggregate(0UL, (t, r) => t + r.Calls);
        var errors = rows.Aggregate(0UL, (t, r) => t + r.Errors);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{100.0,6:F2} {total / 1e9,11:F6} {(calls == 0 ? 0 : total / 1000 / calls),11} {calls,9} {(errors == 0 ? "" : errors.ToString(CultureInfo.InvariantCulture)),9} total"));
        output.Flush();
    }
}
