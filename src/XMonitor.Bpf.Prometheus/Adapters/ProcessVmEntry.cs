namespace XMonitor.Bpf.Prometheus;

/// <summary>One process's current address space by kind, as labels and values to bound with <see cref="TopSeries"/>.</summary>
internal readonly record struct ProcessVmEntry(int Pid, string Comm, double AnonymousPrivate, double Shared, double Brk)
{
    public double Total => AnonymousPrivate + Shared + Brk;
}
