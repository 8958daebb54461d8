namespace XMonitor.Bpf.Prometheus.Tests.Adapters;

/// <summary>
/// The adapter tests run real probes whose system-wide counts and latencies the other tests'
/// workloads would disturb: one at a time, and not beside other collections.
/// </summary>
[CollectionDefinition(nameof(ProbeAdapterCollection), DisableParallelization = true)]
public sealed class ProbeAdapterCollection;
