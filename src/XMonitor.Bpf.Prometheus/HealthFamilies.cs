namespace XMonitor.Bpf.Prometheus;

/// <summary>The SDK's own health families, written by the registry after the probes' samples.</summary>
internal static class HealthFamilies
{
    public static readonly string[] ProbeLabel = ["probe"];
    public static readonly string[] ProgramLabels = ["probe", "program"];

    public static readonly MetricFamily ProbeUp = new("xmonitor_probe_up", MetricType.Gauge,
        "1 when the probe's last collection succeeded, 0 when it threw or timed out (the reason is logged).", ProbeLabel);

    public static readonly MetricFamily CollectDuration = new("xmonitor_probe_collect_duration_seconds", MetricType.Gauge,
        "How long the probe's collection took in this scrape.", ProbeLabel, "seconds");

    public static readonly MetricFamily CollectErrors = new("xmonitor_probe_collect_errors", MetricType.Counter,
        "Collections of the probe that failed since the registry started.", ProbeLabel);

    public static readonly MetricFamily ProgramInfo = new("xmonitor_bpf_program", MetricType.Info,
        "A BPF program of a probe: its name, how and where it is attached.", ["probe", "program", "attach_kind", "target"]);

    public static readonly MetricFamily ProgramAttached = new("xmonitor_bpf_program_attached", MetricType.Gauge,
        "1 while the program is attached to its kernel hook, 0 when it is loaded but not attached.", ProgramLabels);

    public static readonly MetricFamily RunStatisticsEnabled = new("xmonitor_bpf_run_statistics_enabled", MetricType.Gauge,
        "1 when the kernel counts BPF program runs (kernel.bpf_stats_enabled or BPF_ENABLE_STATS), which the run counters need.");

    public static readonly MetricFamily ProgramRuns = new("xmonitor_bpf_program_run", MetricType.Counter,
        "Times the program ran while the kernel's run statistics were enabled.", ProgramLabels);

    public static readonly MetricFamily ProgramRunTime = new("xmonitor_bpf_program_run_seconds", MetricType.Counter,
        "Time the program ran while the kernel's run statistics were enabled.", ProgramLabels, "seconds");
}
