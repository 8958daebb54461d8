namespace XMonitor.Bpf.Prometheus.Tests.Adapters;

/// <summary>One sample line of a scrape.</summary>
internal sealed record ScrapedSample(string Name, IReadOnlyDictionary<string, string> Labels, double Value);
