using Microsoft.Extensions.Logging;

namespace XMonitor.Bpf.Prometheus.Tests;

public sealed class RegistryTests
{
    private static readonly MetricFamily Other = new("xmonitor_other_events", MetricType.Counter, "Other events.");

    private static FakeCollector OtherCollector() => new("Other", [Other], (w, _) => w.Counter(Other, [], 5));

    [Fact]
    public void A_throwing_collector_is_down_and_its_partial_output_dropped_while_others_are_served()
    {
        using var registry = new XMonitorMetricsRegistry();
        var failing = new MetricFamily("xmonitor_broken_value", MetricType.Gauge, "Half written.");
        registry.Add(new FakeCollector("Broken", [failing], (w, _) =>
        {
            w.Gauge(failing, [], 1);
            throw new InvalidOperationException("map read failed");
        }));
        registry.Add(OtherCollector());

        var text = registry.ScrapeToString(ExpositionFormat.PrometheusText);

        Assert.DoesNotContain("xmonitor_broken_value", text);
        Assert.Contains("xmonitor_other_events_total 5\n", text);
        Assert.Contains("xmonitor_probe_up{probe=\"Broken\"} 0\n", text);
        Assert.Contains("xmonitor_probe_up{probe=\"Other\"} 1\n", text);
        Assert.Contains("xmonitor_probe_collect_errors_total{probe=\"Broken\"} 1\n", text);
        Assert.Contains("xmonitor_probe_collect_errors_total{probe=\"Other\"} 0\n", text);
    }

    [Fact]
    public void A_failure_is_logged_with_its_reason_once_per_change_and_the_recovery_too()
    {
        var logger = new ListLogger();
        using var registry = new XMonitorMetricsRegistry(null, logger);
        var reason = "map lookup failed: ENOENT";
        registry.Add(new FakeCollector("Flaky", [], (_, _) =>
        {
            if (reason.Length > 0)
                throw new InvalidOperationException(reason);
        }));
        registry.ScrapeToString(ExpositionFormat.PrometheusText);
        registry.ScrapeToString(ExpositionFormat.PrometheusText);
        reason = "map lookup failed: EPERM";
        registry.ScrapeToString(ExpositionFormat.PrometheusText);
        reason = "";
        registry.ScrapeToString(ExpositionFormat.PrometheusText);

        Assert.Collection(logger.Entries,
            e => Assert.Equal((LogLevel.Warning, "Probe Flaky failed to collect its metrics: map lookup failed: ENOENT"), (e.Level, e.Message)),
            e => Assert.Equal((LogLevel.Warning, "Probe Flaky failed to collect its metrics: map lookup failed: EPERM"), (e.Level, e.Message)),
            e => Assert.Equal((LogLevel.Information, "Probe Flaky collects its metrics again"), (e.Level, e.Message)));
        Assert.IsType<InvalidOperationException>(logger.Entries[0].Error);
    }

    [Fact]
    public void A_collector_that_recovers_is_up_again()
    {
        using var registry = new XMonitorMetricsRegistry();
        var fail = true;
        registry.Add(new FakeCollector("Flaky", [Other], (w, _) =>
        {
            if (fail)
                throw new IOException("EAGAIN");
            w.Counter(Other, [], 1);
        }));
        Assert.Contains("xmonitor_probe_up{probe=\"Flaky\"} 0\n", registry.ScrapeToString(ExpositionFormat.PrometheusText));
        fail = false;
        var text = registry.ScrapeToString(ExpositionFormat.PrometheusText);
        Assert.Contains("xmonitor_probe_up{probe=\"Flaky\"} 1\n", text);
        Assert.Contains("xmonitor_other_events_total 1\n", text);
    }

    [Fact]
    public void A_collector_that_overruns_its_timeout_is_cancelled_and_down()
    {
        using var registry = new XMonitorMetricsRegistry(new XMonitorMetricsOptions { CollectTimeout = TimeSpan.FromMilliseconds(100) });
        registry.Add(new FakeCollector("Slow", [], (_, ct) => Task.Delay(TimeSpan.FromSeconds(30), ct).GetAwaiter().GetResult()));
        registry.Add(OtherCollector());
        var text = registry.ScrapeToString(ExpositionFormat.PrometheusText);
        Assert.Contains("xmonitor_probe_up{probe=\"Slow\"} 0\n", text);
        Assert.Contains("xmonitor_other_events_total 5\n", text);
    }

    [Fact]
    public void A_cancelled_scrape_throws_instead_of_marking_probes_down()
    {
        using var registry = new XMonitorMetricsRegistry();
        registry.Add(OtherCollector());
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        Assert.ThrowsAny<OperationCanceledException>(() => registry.Scrape(new System.Buffers.ArrayBufferWriter<byte>(), ExpositionFormat.PrometheusText, cts.Token));
    }

    [Fact]
    public void Undeclared_families_and_families_written_by_two_probes_fail_the_offender_only()
    {
        using var registry = new XMonitorMetricsRegistry();
        registry.Add(OtherCollector());
        registry.Add(new FakeCollector("Undeclared", [], (w, _) => w.Counter(Other, [], 1)));
        registry.Add(new FakeCollector("Copycat", [Other], (w, _) => w.Counter(Other, [], 9)));
        var text = registry.ScrapeToString(ExpositionFormat.PrometheusText);
        Assert.Contains("xmonitor_probe_up{probe=\"Undeclared\"} 0\n", text);
        Assert.Contains("xmonitor_probe_up{probe=\"Copycat\"} 0\n", text);
        Assert.Single(text.Split('\n'), l => l.StartsWith("xmonitor_other_events_total", StringComparison.Ordinal));
    }

    [Fact]
    public void Probe_names_are_unique_and_removal_takes_the_series_away()
    {
        using var registry = new XMonitorMetricsRegistry();
        var handle = registry.Add(OtherCollector());
        Assert.Throws<ArgumentException>(() => registry.Add(OtherCollector()));
        handle.Dispose();
        var text = registry.ScrapeToString(ExpositionFormat.PrometheusText);
        Assert.DoesNotContain("Other", text);
        Assert.Empty(registry.Collectors);
    }

    [Fact]
    public void Legacy_families_are_written_only_when_the_option_is_on()
    {
        var collector = new FakeCollector("CacheStat", [LegacyMetrics.FilesystemPagecacheRatio], (w, _) =>
        {
            if (w.IncludeLegacyNames)
                w.Gauge(LegacyMetrics.FilesystemPagecacheRatio, [], 0.9);
        });
        using var off = new XMonitorMetricsRegistry();
        off.Add(collector);
        Assert.DoesNotContain("filesystem_pagecache_ratio", off.ScrapeToString(ExpositionFormat.PrometheusText));
        using var on = new XMonitorMetricsRegistry(new XMonitorMetricsOptions { LegacyNames = true });
        on.Add(collector);
        Assert.Contains("filesystem_pagecache_ratio{from=\"xm_ebpf\"} 0.9\n", on.ScrapeToString(ExpositionFormat.PrometheusText));
    }

    [Fact]
    public void OpenMetrics_scrapes_end_with_EOF_once()
    {
        using var registry = new XMonitorMetricsRegistry();
        registry.Add(SampleFamilies.Collector());
        var text = registry.ScrapeToString(ExpositionFormat.OpenMetrics);
        Assert.EndsWith("\n# EOF\n", text);
        Assert.Equal(1, text.Split('\n').Count(l => l == "# EOF"));
    }

    [Fact]
    public void Program_health_rows_become_info_attached_and_run_counters()
    {
        using var buffer = new MetricBuffer();
        var writer = new TextMetricWriter(buffer, ExpositionFormat.PrometheusText, false);
        XMonitorMetricsRegistry.WriteProgramHealth(writer,
        [
            new ProgramHealth("CpuSched", "handle_sched_wakeup", "tp_btf", "sched_wakeup", true, new BpfProgramStatistics(7, 1000, TimeSpan.Zero, 2_500_000_000)),
            new ProgramHealth("CpuSched", "handle_sched_switch", "kprobe", "finish_task_switch", false, null),
        ]);
        Assert.Equal("""
            # HELP xmonitor_bpf_program_info A BPF program of a probe: its name, how and where it is attached.
            # TYPE xmonitor_bpf_program_info gauge
            xmonitor_bpf_program_info{probe="CpuSched",program="handle_sched_wakeup",attach_kind="tp_btf",target="sched_wakeup"} 1
            xmonitor_bpf_program_info{probe="CpuSched",program="handle_sched_switch",attach_kind="kprobe",target="finish_task_switch"} 1
            # HELP xmonitor_bpf_program_attached 1 while the program is attached to its kernel hook, 0 when it is loaded but not attached.
            # TYPE xmonitor_bpf_program_attached gauge
            xmonitor_bpf_program_attached{probe="CpuSched",program="handle_sched_wakeup"} 1
            xmonitor_bpf_program_attached{probe="CpuSched",program="handle_sched_switch"} 0
            # HELP xmonitor_bpf_program_run_total Times the program ran while the kernel's run statistics were enabled.
            # TYPE xmonitor_bpf_program_run_total counter
            xmonitor_bpf_program_run_total{probe="CpuSched",program="handle_sched_wakeup"} 1000
            # HELP xmonitor_bpf_program_run_seconds_total Time the program ran while the kernel's run statistics were enabled.
            # TYPE xmonitor_bpf_program_run_seconds_total counter
            xmonitor_bpf_program_run_seconds_total{probe="CpuSched",program="handle_sched_wakeup"} 2.5

            """, buffer.ToString());
    }
}
