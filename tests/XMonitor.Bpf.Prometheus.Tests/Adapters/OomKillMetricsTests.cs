using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using XMonitor.Bpf.Probes.OomKill;

namespace XMonitor.Bpf.Prometheus.Tests.Adapters;

[Collection(nameof(ProbeAdapterCollection))]
public sealed class OomKillMetricsTests
{
    private const long Limit = 32L << 20;

    [Fact]
    public async Task A_memory_cgroup_oom_kill_is_counted_under_its_cgroup_with_the_victim_and_the_seed_names()
    {
        BpfEnvironment.Require();
        const string root = "/sys/fs/cgroup/memory";
        if (!File.Exists(Path.Combine(root, "memory.limit_in_bytes")))
            Assert.Skip("no cgroup v1 memory controller mounted here");
        var name = $"xmon-adapter-{Guid.NewGuid():N}"[..24];
        var dir = Path.Combine(root, name);
        Directory.CreateDirectory(dir);
        Process? victim = null;
        try
        {
            File.WriteAllText(Path.Combine(dir, "memory.limit_in_bytes"), $"{Limit}\n");
            await using var host = await AdapterHost.StartAsync(s => s.AddOomKillProbe().AddOomKillMetrics(), o => o.LegacyNames = true);
            var probe = host.Services.GetRequiredService<OomKillProbe>();
            var killed = new TaskCompletionSource<OomKillEvent>(TaskCreationOptions.RunContinuationsAsynchronously);
            using var watch = probe.Events.Subscribe(new Observer<OomKillEvent>(e => killed.TrySetResult(e)));

            // tail keeps a line from /dev/zero, which never ends, in memory until the limit kills it.
            var start = new ProcessStartInfo("sh") { RedirectStandardOutput = true };
            start.ArgumentList.Add("-c");
            start.ArgumentList.Add($"echo $$ > {dir}/cgroup.procs && exec tail /dev/zero");
            victim = Process.Start(start)!;
            var e = await killed.Task.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
            Assert.True(victim.WaitForExit(TimeSpan.FromSeconds(30)));
            var pid = victim.Id.ToString(CultureInfo.InvariantCulture);

            var scrape = Scraped.Parse(host.Scrape());
            Assert.Equal("counter", scrape.Types["xmonitor_oom_kills_total"]);
            Assert.Equal(1, scrape.Value("xmonitor_oom_kills_total", ("scope", "memcg"), ("cgroup", "/" + name), ("pod_uid", ""), ("container_id", "")));
            // Counted from the events: the same records the kernel's per-memcg map counts.
            Assert.Equal(probe.GetKillsPerCgroup().Values.Sum(v => (double)v), scrape.Named("xmonitor_oom_kills_total").Sum(s => s.Value));

            Assert.Equal("gauge", scrape.Types["xmonitor_oom_last_victim_info"]);
            Assert.Equal(1, scrape.Value("xmonitor_oom_last_victim_info", ("pid", pid), ("comm", "tail"), ("scope", "memcg"), ("cgroup", "/" + name), ("pod_uid", ""), ("container_id", "")));
            Assert.InRange(scrape.Value("xmonitor_oom_last_victim_memory_bytes", ("kind", "anon_rss")), Limit / 2, Limit * 2);
            Assert.Equal(6, scrape.Named("xmonitor_oom_last_victim_memory_bytes").Count());
            Assert.InRange(scrape.Value("xmonitor_oom_last_kill_timestamp_seconds"), DateTimeOffset.UtcNow.ToUnixTimeSeconds() - 60, DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 1);

            var legacy = scrape.Named("oom_kill_memcg").Single();
            Assert.Equal(pid, legacy.Labels["pid"]);
            Assert.Equal("tail", legacy.Labels["comm"]);
            Assert.Equal((Limit / 1024).ToString(CultureInfo.InvariantCulture), legacy.Labels["memcg_limit_kb"]);
            Assert.Equal(e.MemoryCgroupId.ToString(CultureInfo.InvariantCulture), legacy.Labels["memcg_inode"]);
            Assert.Equal("xm_ebpf", legacy.Labels["from"]);
            Assert.Empty(scrape.Named("oom_kill_os"));

            await probe.DisposeAsync();
            Assert.True(MeterCheck.AssertMeterMatchesScrape(host.Registry, "OomKill") >= 7);
        }
        finally
        {
            if (victim is { HasExited: false })
                victim.Kill();
            victim?.WaitForExit();
            victim?.Dispose();
            for (var i = 0; i < 50 && Directory.Exists(dir); i++)
            {
                try
                {
                    Directory.Delete(dir);
                }
                catch (IOException)
                {
                    await Task.Delay(100, CancellationToken.None);
                }
            }
        }
    }
}
