namespace XMonitor.Bpf.Prometheus;

/// <summary>One process's page cache counts of an interval, as labels and values to bound with <see cref="TopSeries"/>.</summary>
internal readonly record struct CacheStatProcessCounts(int Pid, string Comm, double Accesses, double Hits, double Misses, double Dirtied);
