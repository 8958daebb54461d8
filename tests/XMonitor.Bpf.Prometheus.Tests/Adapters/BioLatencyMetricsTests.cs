using Microsoft.Extensions.DependencyInjection;
using XMonitor.Bpf.Probes.BioLatency;
using XMonitor.Bpf.Probes.Tests.BioLatency;

namespace XMonitor.Bpf.Prometheus.Tests.Adapters;

[Collection(nameof(ProbeAdapterCollection))]
public sealed class BioLatencyMetricsTests
{
    private const int BlockSize = 64 * 1024;
    private const int Blocks = 32;
    private const string Directory = "/var/tmp";

    [Fact]
    public async Task Known_direct_io_moves_the_request_counters_and_histograms_as_the_disk_counted_it_and_the_seed_names()
    {
        BpfEnvironment.Require();
        var disk = RootDisk.Of(Directory);
        var path = Path.Combine(Directory, $"xmonitor-bio-adapter-{Environment.ProcessId}.dat");
        try
        {
            using var io = new DirectIo(path, BlockSize);
            // Allocates the file's blocks first, so each measured write is one request.
            for (var i = 0; i < Blocks; i++)
                io.Write((long)i * BlockSize, BlockSize);
            io.Sync();
            io.Read(0, BlockSize);

            var outerStart = DiskStat.Read(disk);
            await using var host = await AdapterHost.StartAsync(
                s => s.AddBioLatencyProbe(o =>
                {
                    o.Disk = disk;
                    o.Interval = TimeSpan.FromMilliseconds(200);
                    // Every request is slow: the slow-request counter and the seed's per-request gauge get samples.
                    o.SlowThreshold = TimeSpan.FromTicks(1);
                }).AddBioLatencyMetrics(),
                o => o.LegacyNames = true);
            var innerStart = DiskStat.Read(disk);
            for (var i = 0; i < Blocks; i++)
                io.Write((long)i * BlockSize, BlockSize);
            io.Sync();
            for (var i = 0; i < Blocks; i++)
                io.Read((long)i * BlockSize, BlockSize);
            var innerEnd = DiskStat.Read(disk);
            // Stopping publishes the last reading and drains the slow requests; the adapter keeps them.
            await host.Services.GetRequiredService<BioLatencyProbe>().DisposeAsync();
            var outerEnd = DiskStat.Read(disk);
            var inner = innerEnd.Minus(innerStart);
            var outer = outerEnd.Minus(outerStart);

            var scrape = Scraped.Parse(host.Scrape());
            TestContext.Current.TestOutputHelper?.WriteLine(string.Join('\n', scrape.Samples.Where(s => s.Name.StartsWith("xmonitor_bio_", StringComparison.Ordinal) && !s.Name.EndsWith("_bucket", StringComparison.Ordinal)).Select(s => $"{s.Name} {string.Join(',', s.Labels.Select(l => $"{l.Key}={l.Value}"))} {s.Value}")));
            Assert.Equal("counter", scrape.Types["xmonitor_bio_requests_total"]);
            Assert.Equal("histogram", scrape.Types["xmonitor_bio_request_latency_seconds"]);
            Assert.Equal("histogram", scrape.Types["xmonitor_bio_request_queue_latency_seconds"]);
            foreach (var (operation, ours, innerCount, outerCount, innerSectors, outerSectors) in new[]
            {
                ("read", (ulong)Blocks, inner.Reads, outer.Reads, inner.ReadSectors, outer.ReadSectors),
                ("write", (ulong)Blocks, inner.Writes, outer.Writes, inner.WriteSectors, outer.WriteSectors),
            })
            {
                (string, string)[] labels = [("device", disk), ("operation", operation)];
                // The probe was attached for all of the inner window and only within the outer one;
                // other processes' requests on the disk count too, so the test's own are a lower bound.
                var requests = scrape.Value("xmonitor_bio_requests_total", labels);
                Assert.InRange(requests, Math.Max(innerCount, ours), outerCount);
                Assert.InRange(scrape.Value("xmonitor_bio_request_bytes_total", labels), innerSectors * 512.0, outerSectors * 512.0);
                Assert.Equal(0, scrape.Value("xmonitor_bio_request_errors_total", labels));
                // Requests without data (an empty write that only asks for a cache flush) count as neither.
                Assert.InRange(scrape.Value("xmonitor_bio_sequential_requests_total", labels) + scrape.Value("xmonitor_bio_random_requests_total", labels), ours, requests);
                // Requests issued before the start have no service time: the histogram counts the others, ours among them.
                var count = scrape.Value("xmonitor_bio_request_latency_seconds_count", labels);
                Assert.InRange(count, ours, requests);
                Assert.Equal(count, scrape.Value("xmonitor_bio_request_latency_seconds_bucket", [.. labels, ("le", "+Inf")]));
                Assert.InRange(scrape.Value("xmonitor_bio_request_latency_seconds_sum", labels) / count, 1e-7, 5);
                Assert.InRange(scrape.Value("xmonitor_bio_slow_requests_total", labels), ours, requests);

                // The seed's names: the same histogram in microseconds, with from="xm_ebpf".
                (string, string)[] legacy = [.. labels, ("from", "xm_ebpf")];
                Assert.Equal(count, scrape.Value("bio_request_latency_count", legacy));
                Assert.Equal(scrape.Value("xmonitor_bio_request_latency_seconds_sum", labels) * 1e6, scrape.Value("bio_request_latency_sum", legacy), 3);
                Assert.Single(scrape.Named("bio_request_completed_count"), s => s.Labels["operation"] == operation && s.Labels["device"] == disk);
                Assert.Single(scrape.Named("bio_request_in_queue_latency_count"), s => s.Labels["operation"] == operation && s.Labels["device"] == disk);
            }
            var buckets = scrape.Named("xmonitor_bio_request_latency_seconds_bucket").Where(b => b.Labels["operation"] == "read").ToList();
            Assert.Equal(32, buckets.Count);
            Assert.Equal(buckets.Select(b => b.Value).Order(), buckets.Select(b => b.Value));
            Assert.Equal("2E-06", buckets[0].Labels["le"]);
            Assert.Contains(scrape.Named("bio_request_latency_bucket"), b => b.Labels["le"] == "2");
            foreach (var name in new[] { "bio_request_completed_count", "bio_request_error_count", "bio_request_total_kbytes", "bio_request_sequential_ratio", "bio_request_randomized_ratio" })
                Assert.Equal("gauge", scrape.Types[name]);

            // The seed's per-request gauge: the most recent slow requests (at most MaxProcessSeries), ours among them.
            var slow = scrape.Named("bio_request_latency_over_threshold").ToList();
            Assert.InRange(slow.Count, 1, new XMonitorMetricsOptions().MaxProcessSeries);
            Assert.All(slow, s =>
            {
                Assert.Equal(["bytes", "comm", "device", "from", "in_queue_latency_us", "operation", "pid", "tid"], s.Labels.Keys.Order());
                Assert.Equal(disk, s.Labels["device"]);
                Assert.True(s.Value > 0);
            });

            Assert.True(MeterCheck.AssertMeterMatchesScrape(host.Registry, "BioLatency") >= 2 * 6);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
