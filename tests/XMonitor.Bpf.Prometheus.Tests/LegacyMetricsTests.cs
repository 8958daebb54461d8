namespace XMonitor.Bpf.Prometheus.Tests;

public sealed class LegacyMetricsTests
{
    // Issue 8's list of the seed service's metrics: name, type, labels (every one also has from="xm_ebpf").
    public static TheoryData<string, MetricType, string> Expected => new()
    {
        { "filesystem_pagecache_hits", MetricType.Gauge, "" },
        { "filesystem_pagecache_misses", MetricType.Gauge, "" },
        { "filesystem_pagecache_ratio", MetricType.Gauge, "" },
        { "cpu_schedule_runq_latency", MetricType.Histogram, "res_type,res_value" },
        { "cpu_schedule_offcpu_duration", MetricType.Gauge, "tid,pid,comm,res_type,res_value" },
        { "cpu_schedule_hung_task", MetricType.Gauge, "pid,comm,res_type,res_value" },
        { "process_address_space_privanon_share_pages", MetricType.Gauge, "pid,comm,call,res_type,res_value" },
        { "oom_kill_os", MetricType.Gauge, "pid,tid,comm,file_rss_kb,anon_rss_kb,shmem_rss_kb,mem_limit_kb,msg" },
        { "oom_kill_memcg", MetricType.Gauge, "pid,tid,comm,file_rss_kb,anon_rss_kb,shmem_rss_kb,memcg_inode,memcg_limit_kb,msg" },
        { "bio_request_latency", MetricType.Histogram, "device,operation" },
        { "bio_request_in_queue_latency", MetricType.Histogram, "device,operation" },
        { "bio_request_completed_count", MetricType.Gauge, "device,operation" },
        { "bio_request_error_count", MetricType.Gauge, "device,operation" },
        { "bio_request_total_kbytes", MetricType.Gauge, "device,operation" },
        { "bio_request_sequential_ratio", MetricType.Gauge, "device,operation" },
        { "bio_request_randomized_ratio", MetricType.Gauge, "device,operation" },
        { "bio_request_latency_over_threshold", MetricType.Gauge, "device,comm,pid,tid,operation,bytes,in_queue_latency_us" },
        { "fs_nfs_operation_latency", MetricType.Histogram, "device,operation" },
    };

    [Theory]
    [MemberData(nameof(Expected))]
    public void Each_seed_metric_has_its_name_type_and_labels(string name, MetricType type, string labels)
    {
        var mapping = Assert.Single(LegacyMetrics.Mappings, m => m.Legacy.Name == name);
        Assert.Equal(type, mapping.Legacy.Type);
        Assert.Equal(labels, string.Join(",", mapping.Legacy.LabelNames));
        Assert.Equal([LegacyMetrics.From], mapping.Legacy.ConstantLabels);
        Assert.True(mapping.Legacy.IsLegacy);
    }

    [Fact]
    public void The_table_has_exactly_the_seed_metrics_and_replacements_follow_the_rules()
    {
        Assert.Equal(Expected.Select(row => row.Data.Item1).Order(), LegacyMetrics.Mappings.Select(m => m.Legacy.Name).Order());
        foreach (var mapping in LegacyMetrics.Mappings)
        {
            Assert.StartsWith(MetricNames.Prefix, mapping.Replacement);
            Assert.True(MetricNames.IsValidMetricName(mapping.Replacement));
            Assert.False(string.IsNullOrWhiteSpace(mapping.Probe));
            Assert.False(string.IsNullOrWhiteSpace(mapping.Note));
        }
    }

    [Fact]
    public void Seed_histograms_keep_their_microsecond_buckets()
    {
        using var buffer = new MetricBuffer();
        var writer = new TextMetricWriter(buffer, ExpositionFormat.PrometheusText, includeLegacyNames: true);
        LegacyMetrics.MicrosecondLayout.Write(writer, LegacyMetrics.CpuScheduleRunqLatency, [new("res_type", "XM_Resource_OS"), new("res_value", "")], [0, 0, 4], 20);
        var text = buffer.ToString();
        Assert.Contains("cpu_schedule_runq_latency_bucket{res_type=\"XM_Resource_OS\",res_value=\"\",from=\"xm_ebpf\",le=\"8\"} 4\n", text);
        Assert.Contains("cpu_schedule_runq_latency_sum{res_type=\"XM_Resource_OS\",res_value=\"\",from=\"xm_ebpf\"} 20\n", text);
    }
}
