using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using XMonitor.Bpf.Probes;
using XMonitor.Bpf.Probes.CpuSched;

namespace XMonitor.Bpf.Prometheus.Tests.Adapters;

[Collection(nameof(ProbeAdapterCollection))]
public sealed class CpuSchedMetricsTests
{
    private const int Sleepers = 4;
    private const int SleepMilliseconds = 120;

    [Fact]
    public async Task Busy_and_sleeping_threads_show_as_a_per_process_histogram_off_cpu_counts_and_the_seed_names()
    {
        BpfEnvironment.Require();
        var pid = Environment.ProcessId.ToString(CultureInfo.InvariantCulture);
        var comm = File.ReadAllText("/proc/self/comm").TrimEnd('\n');
        await using var host = await AdapterHost.StartAsync(
            s => s.AddCpuSchedProbe(o =>
            {
                o.Interval = TimeSpan.FromMilliseconds(200);
                o.Aggregation = CpuSchedAggregation.Process;
                o.Filter = ProcessFilter.Pid(Environment.ProcessId);
                o.OffCpuThreshold = TimeSpan.FromMilliseconds(60);
            }).AddCpuSchedMetrics(),
            o => o.LegacyNames = true);

        // More spinning threads than CPUs wait on run queues; sleeping threads are off the CPU for
        // longer than the threshold, once each.
        var spinners = Enumerable.Range(0, Environment.ProcessorCount * 2).Select(_ => new Thread(() =>
        {
            var until = Stopwatch.GetTimestamp() + Stopwatch.Frequency / 2;
            while (Stopwatch.GetTimestamp() < until)
                Thread.SpinWait(1000);
        })).ToList();
        var sleepers = Enumerable.Range(0, Sleepers).Select(_ => new Thread(() => Thread.Sleep(SleepMilliseconds))).ToList();
        foreach (var t in spinners.Concat(sleepers))
            t.Start();
        foreach (var t in spinners.Concat(sleepers))
            t.Join();
        await Task.Delay(600, TestContext.Current.CancellationToken);

        var scrape = Scraped.Parse(host.Scrape());
        Assert.Equal("histogram", scrape.Types["xmonitor_cpu_runqueue_latency_seconds"]);
        var labels = new[] { ("scope", "pid"), ("scope_value", pid), ("pid", pid), ("comm", comm) };
        var count = scrape.Value("xmonitor_cpu_runqueue_latency_seconds_count", labels);
        Assert.True(count >= spinners.Count, $"{count} run-queue waits for {spinners.Count} spinning threads");
        Assert.Equal(count, scrape.Value("xmonitor_cpu_runqueue_latency_seconds_bucket", [.. labels, ("le", "+Inf")]));
        var sum = scrape.Value("xmonitor_cpu_runqueue_latency_seconds_sum", labels);
        Assert.InRange(sum / count, 1e-7, 1);
        var buckets = scrape.Named("xmonitor_cpu_runqueue_latency_seconds_bucket").ToList();
        Assert.Equal(32, buckets.Count);
        Assert.Equal(buckets.Select(b => b.Value).Order(), buckets.Select(b => b.Value));
        Assert.Equal("2E-06", buckets[0].Labels["le"]);

        Assert.Equal("counter", scrape.Types["xmonitor_cpu_offcpu_events_total"]);
        Assert.True(scrape.Value("xmonitor_cpu_offcpu_events_total") >= Sleepers);
        Assert.Equal(0, scrape.Value("xmonitor_cpu_hung_task_events_total"));
        var offCpu = scrape.Named("xmonitor_cpu_offcpu_seconds").Single(s => s.Labels["pid"] == pid);
        Assert.Equal(["comm", "pid"], offCpu.Labels.Keys.Order());
        Assert.InRange(offCpu.Value, 0.06, 5);

        // The seed's names: microsecond buckets, its filter labels, milliseconds per task.
        Assert.Equal(count, scrape.Value("cpu_schedule_runq_latency_count", ("res_type", "XM_Resource_PID"), ("res_value", pid), ("from", "xm_ebpf")));
        Assert.Contains(scrape.Named("cpu_schedule_runq_latency_bucket"), b => b.Labels["le"] == "2");
        var legacyOffCpu = scrape.Named("cpu_schedule_offcpu_duration").Single(s => s.Labels["pid"] == pid);
        Assert.Equal(offCpu.Value * 1e3, legacyOffCpu.Value, 6);
        Assert.Equal(["comm", "from", "pid", "res_type", "res_value", "tid"], legacyOffCpu.Labels.Keys.Order());

        await host.Services.GetRequiredService<CpuSchedProbe>().DisposeAsync();
        Assert.True(MeterCheck.AssertMeterMatchesScrape(host.Registry, "CpuSched") >= 3);
    }
}
