namespace XMonitor.Bpf.Prometheus.Tests;

public sealed class BpfMapCollectorTests
{
    [Fact]
    public void A_kernel_histogram_map_is_exported_as_buckets_and_programs_as_health_series()
    {
        BpfEnvironment.Require();
        var done = new ManualResetEventSlim();
        string text = "";
        // One thread both configures the filter and makes the calls, so the tid matches.
        var thread = new Thread(() =>
        {
            using var open = LatencySkeleton.Open();
            open.TargetTid = (uint)BpfEnvironment.GetTid();
            using var skeleton = open.Load();
            using var link = skeleton.RecordLatencyProgram.Attach();
            using var registry = new XMonitorMetricsRegistry(new XMonitorMetricsOptions { EnableRunStatistics = true });
            registry.Add(new MapHistogramCollector(skeleton, [link]));
            var input = skeleton.InputMap;
            foreach (var microseconds in new ulong[] { 1, 3, 100, 100, 5000 })
            {
                input.Update(0, microseconds);
                BpfEnvironment.GetPid();
            }
            input.Update(0, 0);
            text = registry.ScrapeToString(ExpositionFormat.PrometheusText);
            done.Set();
        });
        thread.Start();
        thread.Join();
        Assert.True(done.IsSet);

        // 1 us -> slot 0 (le 2 us); 3 us -> slot 1 (le 4 us); 100 us -> slot 6 (le 128 us); 5000 us -> slot 12 (le 8192 us).
        Assert.Contains("xmonitor_maptest_latency_seconds_bucket{le=\"2E-06\"} 1\n", text);
        Assert.Contains("xmonitor_maptest_latency_seconds_bucket{le=\"4E-06\"} 2\n", text);
        Assert.Contains("xmonitor_maptest_latency_seconds_bucket{le=\"6.4E-05\"} 2\n", text);
        Assert.Contains("xmonitor_maptest_latency_seconds_bucket{le=\"0.000128\"} 4\n", text);
        Assert.Contains("xmonitor_maptest_latency_seconds_bucket{le=\"0.004096\"} 4\n", text);
        Assert.Contains("xmonitor_maptest_latency_seconds_bucket{le=\"0.008192\"} 5\n", text);
        Assert.Contains("xmonitor_maptest_latency_seconds_bucket{le=\"+Inf\"} 5\n", text);
        Assert.Contains("xmonitor_maptest_latency_seconds_sum 0.005204\n", text);
        Assert.Contains("xmonitor_maptest_latency_seconds_count 5\n", text);

        Assert.Contains("xmonitor_bpf_program_info{probe=\"MapTest\",program=\"record_latency\",attach_kind=\"tracepoint\",target=\"syscalls/sys_enter_getpid\"} 1\n", text);
        Assert.Contains("xmonitor_bpf_program_info{probe=\"MapTest\",program=\"never_attached\",attach_kind=\"tracepoint\",target=\"syscalls/sys_enter_getppid\"} 1\n", text);
        Assert.Contains("xmonitor_bpf_program_attached{probe=\"MapTest\",program=\"record_latency\"} 1\n", text);
        Assert.Contains("xmonitor_bpf_program_attached{probe=\"MapTest\",program=\"never_attached\"} 0\n", text);
        Assert.Contains("xmonitor_bpf_run_statistics_enabled 1\n", text);
        var runs = Value(text, "xmonitor_bpf_program_run_total{probe=\"MapTest\",program=\"record_latency\"}");
        Assert.True(runs >= 5, $"record_latency ran {runs} times, fewer than the 5 getpid() calls");
        Assert.Equal(0, Value(text, "xmonitor_bpf_program_run_total{probe=\"MapTest\",program=\"never_attached\"}"));
        Assert.True(Value(text, "xmonitor_bpf_program_run_seconds_total{probe=\"MapTest\",program=\"record_latency\"}") > 0);
    }

    private static double Value(string text, string series)
    {
        var line = text.Split('\n').Single(l => l.StartsWith(series + " ", StringComparison.Ordinal));
        return double.Parse(line[(series.Length + 1)..], System.Globalization.CultureInfo.InvariantCulture);
    }
}
