using Microsoft.Extensions.DependencyInjection;
using XMonitor.Bpf.Probes;
using XMonitor.Bpf.Probes.FsLatency;
using XMonitor.Bpf.Probes.Tests.FsLatency;

namespace XMonitor.Bpf.Prometheus.Tests.Adapters;

[Collection(nameof(ProbeAdapterCollection))]
public sealed class FsLatencyMetricsTests
{
    [Fact]
    public async Task A_processs_known_operations_on_tmpfs_show_per_mount_and_operation()
    {
        BpfEnvironment.Require();
        using var load = new FsLoad("ops", Path.Combine("/dev/shm", $"xmonitor-fs-adapter-{Environment.ProcessId}.dat"));
        await using var host = await AdapterHost.StartAsync(
            s => s.AddFsLatencyProbe(o =>
            {
                o.FileSystemType = "tmpfs";
                o.Filter = ProcessFilter.Pid(load.Pid);
                o.Interval = TimeSpan.FromMilliseconds(200);
            }).AddFsLatencyMetrics(),
            o => o.LegacyNames = true);
        load.Run();
        await host.Services.GetRequiredService<FsLatencyProbe>().DisposeAsync();

        var scrape = Scraped.Parse(host.Scrape());
        Assert.Equal("histogram", scrape.Types["xmonitor_fs_operation_latency_seconds"]);
        Assert.Equal("counter", scrape.Types["xmonitor_fs_operations_total"]);
        var writes = scrape.Named("xmonitor_fs_operations_total").Single(s => s.Labels["operation"] == "write");
        Assert.Equal("tmpfs", writes.Labels["fstype"]);
        Assert.Equal("/dev/shm", writes.Labels["mountpoint"]);
        Assert.Equal(["device", "fstype", "mountpoint", "operation"], writes.Labels.Keys.Order());
        (string, string)[] Labels(string operation) => [.. writes.Labels.Where(l => l.Key != "operation").Select(l => (l.Key, l.Value)), ("operation", operation)];

        foreach (var (operation, expected) in new[] { ("open", FsLoad.Opens), ("write", FsLoad.Writes), ("read", FsLoad.Reads), ("fsync", FsLoad.Fsyncs), ("getattr", FsLoad.Getattrs) })
        {
            Assert.Equal(expected, scrape.Value("xmonitor_fs_operations_total", Labels(operation)));
            Assert.Equal(expected, scrape.Value("xmonitor_fs_operation_latency_seconds_count", Labels(operation)));
            Assert.Equal(0, scrape.Value("xmonitor_fs_operation_errors_total", Labels(operation)));
            // Calls on tmpfs take microseconds; nothing here takes a second.
            Assert.InRange(scrape.Value("xmonitor_fs_operation_latency_seconds_sum", Labels(operation)) / expected, 0, 1);
        }
        Assert.Equal(FsLoad.Writes * FsLoad.BlockSize, scrape.Value("xmonitor_fs_operation_bytes_total", Labels("write")));
        Assert.Equal(FsLoad.Reads * FsLoad.BlockSize, scrape.Value("xmonitor_fs_operation_bytes_total", Labels("read")));
        Assert.DoesNotContain(scrape.Named("xmonitor_fs_operation_bytes_total"), s => s.Labels["operation"] == "open");
        // The seed's histogram is NFS's only.
        Assert.Empty(scrape.Named("fs_nfs_operation_latency_count"));

        Assert.True(MeterCheck.AssertMeterMatchesScrape(host.Registry, "FsLatency") >= 5 * 2);
    }

    [Fact]
    public void An_nfs_mounts_histogram_is_also_written_under_the_seeds_name_in_microseconds()
    {
        // No NFS here: a reading as the probe makes it for an NFS mount, handed to the collector directly.
        using var probe = new FsLatencyProbe(new FsLatencyOptions());
        using var collector = new FsLatencyMetricsCollector(probe);
        var histogram = new Log2Histogram([0, 0, 0, 5, 0, 0, 0, 0, 0, 0, 1], 10 * 5 + 1500, HistogramUnit.Microseconds);
        collector.Observe(
        [
            new FsOperationLatency
            {
                Major = 0,
                Minor = 52,
                Mount = new FileSystemMount(0, 52, "nfs4", "/mnt/data", "server:/export"),
                Operation = FsOperation.Read,
                Latency = histogram,
                LatencyCumulative = histogram,
                Counters = new FsCounters(6, 0, 6 * 4096),
                CountersCumulative = new FsCounters(6, 0, 6 * 4096),
            },
        ]);
        using var registry = new XMonitorMetricsRegistry(new XMonitorMetricsOptions { LegacyNames = true });
        registry.Add(collector);

        var scrape = Scraped.Parse(registry.ScrapeToString(ExpositionFormat.PrometheusText));

        (string, string)[] legacy = [("device", "server:/export"), ("operation", "read"), ("from", "xm_ebpf")];
        Assert.Equal("histogram", scrape.Types["fs_nfs_operation_latency"]);
        Assert.Equal(6, scrape.Value("fs_nfs_operation_latency_count", legacy));
        Assert.Equal(1550, scrape.Value("fs_nfs_operation_latency_sum", legacy));
        // Slot 3 counts [8, 16) us: le="16" in the seed's microseconds, 1.6e-05 in seconds.
        Assert.Equal(5, scrape.Value("fs_nfs_operation_latency_bucket", [.. legacy, ("le", "16")]));
        (string, string)[] ours = [("fstype", "nfs4"), ("device", "server:/export"), ("mountpoint", "/mnt/data"), ("operation", "read")];
        Assert.Equal(5, scrape.Value("xmonitor_fs_operation_latency_seconds_bucket", [.. ours, ("le", "1.6E-05")]));
        Assert.Equal(1550e-6, scrape.Value("xmonitor_fs_operation_latency_seconds_sum", ours), 12);
        Assert.Equal(6, scrape.Value("xmonitor_fs_operations_total", ours));
    }

    [Fact]
    public void File_systems_beyond_the_bound_are_summed_into_other_per_operation()
    {
        using var probe = new FsLatencyProbe(new FsLatencyOptions { FileSystemType = "tmpfs" });
        using var collector = new FsLatencyMetricsCollector(probe, maxProcessSeries: 1);
        var histogram = new Log2Histogram([0, 2], 5, HistogramUnit.Microseconds);
        FsOperationLatency Reading(uint minor, ulong calls) => new()
        {
            Major = 0,
            Minor = minor,
            Mount = new FileSystemMount(0, minor, "tmpfs", $"/run/secret-{minor}", "tmpfs"),
            Operation = FsOperation.Read,
            Latency = histogram,
            LatencyCumulative = histogram,
            Counters = new FsCounters(calls, 0, calls * 10),
            CountersCumulative = new FsCounters(calls, 0, calls * 10),
        };
        // The busiest file system gets the one series; the two others are summed.
        collector.Observe([Reading(1, 2), Reading(2, 9), Reading(3, 2)]);
        using var registry = new XMonitorMetricsRegistry();
        registry.Add(collector);

        var scrape = Scraped.Parse(registry.ScrapeToString(ExpositionFormat.PrometheusText));

        Assert.Equal(9, scrape.Value("xmonitor_fs_operations_total", ("fstype", "tmpfs"), ("device", "tmpfs"), ("mountpoint", "/run/secret-2"), ("operation", "read")));
        (string, string)[] other = [("fstype", "tmpfs"), ("device", "other"), ("mountpoint", ""), ("operation", "read")];
        Assert.Equal(4, scrape.Value("xmonitor_fs_operations_total", other));
        Assert.Equal(40, scrape.Value("xmonitor_fs_operation_bytes_total", other));
        Assert.Equal(4, scrape.Value("xmonitor_fs_operation_latency_seconds_count", other));
        Assert.Equal(10e-6, scrape.Value("xmonitor_fs_operation_latency_seconds_sum", other), 12);
        Assert.Equal(2, scrape.Named("xmonitor_fs_operations_total").Count());
    }
}
