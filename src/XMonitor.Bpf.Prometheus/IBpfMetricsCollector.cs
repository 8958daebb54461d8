namespace XMonitor.Bpf.Prometheus;

/// <summary>
/// What a probe adapter implements to be exported: its families, its BPF programs and links (for
/// the health metrics), and <see cref="Collect"/>, which reads the probe's maps and writes samples.
/// The registry serializes calls per collector (scrapes and <c>MeterListener</c> collections never
/// run one collector concurrently), so an adapter needs no locking of its own.
/// </summary>
public interface IBpfMetricsCollector
{
    /// <summary>
    /// The probe's name, such as <c>CacheStat</c>: the value of the <c>probe</c> label of the
    /// health metrics and the suffix of the <c>Meter</c> name (<c>XMonitor.Bpf.CacheStat</c>).
    /// Unique within a registry.
    /// </summary>
    string ProbeName { get; }

    /// <summary>
    /// Every family <see cref="Collect"/> may write, legacy ones included. Counter and gauge
    /// families (except legacy ones) also become observable instruments on the probe's <c>Meter</c>.
    /// </summary>
    IReadOnlyList<MetricFamily> Families { get; }

    /// <summary>The probe's loaded programs, attached or not (an info and an attached series each, and run statistics).</summary>
    IEnumerable<BpfProgram> Programs => [];

    /// <summary>The probe's links: they say how and where each program is attached and whether it still is.</summary>
    IEnumerable<BpfLink> Links => [];

    /// <summary>
    /// Reads the probe's state (maps, counters) and writes its samples. Runs on the scraping
    /// thread; a throw (or honouring <paramref name="cancellationToken"/>) marks the probe down for
    /// this scrape and discards whatever it wrote, leaving other probes unaffected.
    /// </summary>
    /// <param name="writer">Where to write the samples.</param>
    /// <param name="cancellationToken">Cancelled when the scrape is abandoned or the collector takes longer than <see cref="XMonitorMetricsOptions.CollectTimeout"/>.</param>
    void Collect(MetricWriter writer, CancellationToken cancellationToken);
}
