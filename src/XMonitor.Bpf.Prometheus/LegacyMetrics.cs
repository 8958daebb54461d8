namespace XMonitor.Bpf.Prometheus;

/// <summary>
/// The seed service x-monitor.eBPF's metric names and labels, for dashboards that move with their
/// users. Probe adapters write these families in addition to their own when
/// <see cref="MetricWriter.IncludeLegacyNames"/> is true (<see cref="XMonitorMetricsOptions.LegacyNames"/>);
/// every sample carries <c>from="xm_ebpf"</c> as the seed's did. Units are the seed's (microseconds,
/// milliseconds, pages, kilobytes), not base units: that is what its dashboards expect.
/// </summary>
public static class LegacyMetrics
{
    /// <summary>The constant label of every legacy sample.</summary>
    public static readonly Label From = new("from", "xm_ebpf");

    private static readonly Label[] Constant = [From];
    private static readonly string[] Resource = ["res_type", "res_value"];
    private static readonly string[] DeviceOperation = ["device", "operation"];

    /// <summary><c>filesystem_pagecache_hits</c>: page cache hits in the interval.</summary>
    public static MetricFamily FilesystemPagecacheHits { get; } = Gauge("filesystem_pagecache_hits", "Page cache hits in the last interval.", []);

    /// <summary><c>filesystem_pagecache_misses</c>: page cache misses in the interval.</summary>
    public static MetricFamily FilesystemPagecacheMisses { get; } = Gauge("filesystem_pagecache_misses", "Page cache misses in the last interval.", []);

    /// <summary><c>filesystem_pagecache_ratio</c>: hits / (hits + misses) in the interval.</summary>
    public static MetricFamily FilesystemPagecacheRatio { get; } = Gauge("filesystem_pagecache_ratio", "Page cache hit ratio in the last interval.", []);

    /// <summary><c>cpu_schedule_runq_latency</c>: run-queue latency histogram in microseconds per filter scope.</summary>
    public static MetricFamily CpuScheduleRunqLatency { get; } = Histogram("cpu_schedule_runq_latency", "Run-queue latency in microseconds.", Resource);

    /// <summary><c>cpu_schedule_offcpu_duration</c>: off-CPU time of a task in milliseconds.</summary>
    public static MetricFamily CpuScheduleOffcpuDuration { get; } = Gauge("cpu_schedule_offcpu_duration", "Off-CPU time of a task in milliseconds.", ["tid", "pid", "comm", "res_type", "res_value"]);

    /// <summary><c>cpu_schedule_hung_task</c>: a task found in uninterruptible sleep too long.</summary>
    public static MetricFamily CpuScheduleHungTask { get; } = Gauge("cpu_schedule_hung_task", "A task hung in uninterruptible sleep.", ["pid", "comm", "res_type", "res_value"]);

    /// <summary><c>process_address_space_privanon_share_pages</c>: private anonymous pages a process mapped, by call.</summary>
    public static MetricFamily ProcessPrivateAnonPages { get; } = Gauge("process_address_space_privanon_share_pages", "Private anonymous pages mapped by a process, in pages.", ["pid", "comm", "call", "res_type", "res_value"]);

    /// <summary><c>oom_kill_os</c>: a system-wide OOM kill; the value is the victim's badness points.</summary>
    public static MetricFamily OomKillOs { get; } = Gauge("oom_kill_os", "An OOM kill of the whole system; the value is the victim's badness points.", ["pid", "tid", "comm", "file_rss_kb", "anon_rss_kb", "shmem_rss_kb", "mem_limit_kb", "msg"]);

    /// <summary><c>oom_kill_memcg</c>: a memory cgroup OOM kill; the value is the victim's badness points.</summary>
    public static MetricFamily OomKillMemcg { get; } = Gauge("oom_kill_memcg", "An OOM kill inside a memory cgroup; the value is the victim's badness points.", ["pid", "tid", "comm", "file_rss_kb", "anon_rss_kb", "shmem_rss_kb", "memcg_inode", "memcg_limit_kb", "msg"]);

    /// <summary><c>bio_request_latency</c>: block I/O latency histogram in microseconds.</summary>
    public static MetricFamily BioRequestLatency { get; } = Histogram("bio_request_latency", "Block I/O request latency in microseconds.", DeviceOperation);

    /// <summary><c>bio_request_in_queue_latency</c>: block I/O time in the queue, histogram in microseconds.</summary>
    public static MetricFamily BioRequestInQueueLatency { get; } = Histogram("bio_request_in_queue_latency", "Block I/O request time in the queue in microseconds.", DeviceOperation);

    /// <summary><c>bio_request_completed_count</c>: requests completed in the interval.</summary>
    public static MetricFamily BioRequestCompletedCount { get; } = Gauge("bio_request_completed_count", "Block I/O requests completed in the last interval.", DeviceOperation);

    /// <summary><c>bio_request_error_count</c>: requests failed in the interval.</summary>
    public static MetricFamily BioRequestErrorCount { get; } = Gauge("bio_request_error_count", "Block I/O requests failed in the last interval.", DeviceOperation);

    /// <summary><c>bio_request_total_kbytes</c>: kilobytes transferred in the interval.</summary>
    public static MetricFamily BioRequestTotalKbytes { get; } = Gauge("bio_request_total_kbytes", "Block I/O kilobytes transferred in the last interval.", DeviceOperation);

    /// <summary><c>bio_request_sequential_ratio</c>: share of sequential requests.</summary>
    public static MetricFamily BioRequestSequentialRatio { get; } = Gauge("bio_request_sequential_ratio", "Share of sequential block I/O requests in the last interval.", DeviceOperation);

    /// <summary><c>bio_request_randomized_ratio</c>: share of random requests.</summary>
    public static MetricFamily BioRequestRandomizedRatio { get; } = Gauge("bio_request_randomized_ratio", "Share of random block I/O requests in the last interval.", DeviceOperation);

    /// <summary><c>bio_request_latency_over_threshold</c>: a request slower than the threshold; the value is its latency in microseconds.</summary>
    public static MetricFamily BioRequestLatencyOverThreshold { get; } = Gauge("bio_request_latency_over_threshold", "A block I/O request slower than the threshold; the value is its latency in microseconds.", ["device", "comm", "pid", "tid", "operation", "bytes", "in_queue_latency_us"]);

    /// <summary><c>fs_nfs_operation_latency</c>: NFS operation latency histogram in microseconds.</summary>
    public static MetricFamily FsNfsOperationLatency { get; } = Histogram("fs_nfs_operation_latency", "NFS operation latency in microseconds.", DeviceOperation);

    /// <summary>Buckets of the seed's microsecond histograms: log2 slots with <c>le</c> in microseconds.</summary>
    public static Log2HistogramLayout MicrosecondLayout { get; } = new(32, 1);

    private static Log2HistogramLayout NanosecondsAsMicroseconds { get; } = new(32, 1000);

    /// <summary>The seed's microsecond buckets for a probe's histogram in <paramref name="unit"/>: nanosecond slots are converted.</summary>
    internal static Log2HistogramLayout MicrosecondLayoutFor(XMonitor.Bpf.Probes.HistogramUnit unit)
        => unit == XMonitor.Bpf.Probes.HistogramUnit.Nanoseconds ? NanosecondsAsMicroseconds : MicrosecondLayout;

    /// <summary>Every legacy family with the probe that writes it and the metric that replaces it.</summary>
    public static IReadOnlyList<LegacyMapping> Mappings { get; } =
    [
        new(FilesystemPagecacheHits, "CacheStat", "xmonitor_cachestat_hits_total", "a counter since the probe started instead of a per-interval gauge: use rate()"),
        new(FilesystemPagecacheMisses, "CacheStat", "xmonitor_cachestat_misses_total", "a counter since the probe started instead of a per-interval gauge: use rate()"),
        new(FilesystemPagecacheRatio, "CacheStat", "xmonitor_cachestat_hit_ratio", "same meaning; or compute it from the two counters' rates"),
        new(CpuScheduleRunqLatency, "CpuSched", "xmonitor_cpu_runqueue_latency_seconds", "histogram in seconds; the filter scope becomes labels scope and scope_value, cgroups add cgroup, pod_uid, container_id"),
        new(CpuScheduleOffcpuDuration, "CpuSched", "xmonitor_cpu_offcpu_seconds", "seconds instead of milliseconds; per-process series bounded to the top N (comm=\"other\" for the rest), no tid"),
        new(CpuScheduleHungTask, "CpuSched", "xmonitor_cpu_hung_tasks", "a count of hung tasks per comm (top N) instead of a series per task"),
        new(ProcessPrivateAnonPages, "ProcessVM", "xmonitor_process_private_anon_bytes", "bytes instead of pages; top N processes"),
        new(OomKillOs, "OOMKill", "xmonitor_oom_kills_total", "a counter with scope=\"os\"; the victim's details go to the probe's events and log, not to labels"),
        new(OomKillMemcg, "OOMKill", "xmonitor_oom_kills_total", "a counter with scope=\"memcg\" and the memcg's cgroup path (pod_uid, container_id on Kubernetes)"),
        new(BioRequestLatency, "BioLatency", "xmonitor_bio_request_latency_seconds", "histogram in seconds"),
        new(BioRequestInQueueLatency, "BioLatency", "xmonitor_bio_request_queue_latency_seconds", "histogram in seconds"),
        new(BioRequestCompletedCount, "BioLatency", "xmonitor_bio_requests_total", "a counter: use rate()"),
        new(BioRequestErrorCount, "BioLatency", "xmonitor_bio_request_errors_total", "a counter: use rate()"),
        new(BioRequestTotalKbytes, "BioLatency", "xmonitor_bio_request_bytes_total", "a counter in bytes: use rate()"),
        new(BioRequestSequentialRatio, "BioLatency", "xmonitor_bio_request_sequential_ratio", "same meaning"),
        new(BioRequestRandomizedRatio, "BioLatency", "xmonitor_bio_request_sequential_ratio", "1 minus the sequential ratio"),
        new(BioRequestLatencyOverThreshold, "BioLatency", "xmonitor_bio_slow_requests_total", "a counter per device and operation; the slow requests themselves are the probe's events, not labels"),
        new(FsNfsOperationLatency, "FsLatency", "xmonitor_fs_operation_latency_seconds", "histogram in seconds, for any file-system type the probe watches: labels fstype, device (the mount's source), mountpoint, operation"),
    ];

    private static MetricFamily Gauge(string name, string help, string[] labels) => MetricFamily.Legacy(name, MetricType.Gauge, help, labels, Constant);

    private static MetricFamily Histogram(string name, string help, string[] labels) => MetricFamily.Legacy(name, MetricType.Histogram, help, labels, Constant);
}
