namespace XMonitor.Bpf.Prometheus;

/// <summary>How one metric of the seed service x-monitor.eBPF maps to this package's metric.</summary>
/// <param name="Legacy">The seed's family, exported as it was when <see cref="XMonitorMetricsOptions.LegacyNames"/> is on.</param>
/// <param name="Probe">The probe whose adapter writes it.</param>
/// <param name="Replacement">This package's family name (as exported, with its suffix) that carries the same data.</param>
/// <param name="Note">What changes besides the name: units, labels, type.</param>
public sealed record LegacyMapping(MetricFamily Legacy, string Probe, string Replacement, string Note);
