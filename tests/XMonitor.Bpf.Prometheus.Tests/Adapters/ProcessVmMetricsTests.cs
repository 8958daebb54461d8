using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using XMonitor.Bpf.Probes;
using XMonitor.Bpf.Probes.ProcessVm;

namespace XMonitor.Bpf.Prometheus.Tests.Adapters;

[Collection(nameof(ProbeAdapterCollection))]
public sealed class ProcessVmMetricsTests
{
    private const double Private = 64 << 20;
    private const double SharedBytes = 16 << 20;

    [Fact]
    public async Task Mapping_and_unmapping_show_in_the_process_gauges_the_kind_counters_and_the_seed_names()
    {
        BpfEnvironment.Require();
        var pid = Environment.ProcessId.ToString(CultureInfo.InvariantCulture);
        await using var host = await AdapterHost.StartAsync(
            s => s.AddProcessVmProbe(o =>
            {
                o.Filter = ProcessFilter.Pid(Environment.ProcessId);
                o.Interval = TimeSpan.FromMilliseconds(200);
            }).AddProcessVmMetrics(),
            o => o.LegacyNames = true);
        var published = 0;
        using var watch = host.Services.GetRequiredService<ProcessVmProbe>().Samples.Subscribe(new Observer<ProcessVmSample>(_ => Interlocked.Increment(ref published)));
        // The adapter writes the probe's last sample: scrape once a sample read after what the test did
        // was published (the second one from now; the first may have been read before). The adapter
        // subscribed first, so it has every sample the test saw.
        async Task<Scraped> ScrapeAfterTheNextReadingAsync()
        {
            var target = Volatile.Read(ref published) + 2;
            for (var waited = 0; Volatile.Read(ref published) < target; waited += 20)
            {
                Assert.True(waited < 10_000, "no ProcessVm sample within 10 s");
                await Task.Delay(20, TestContext.Current.CancellationToken);
            }
            return Scraped.Parse(host.Scrape());
        }
        var before = await ScrapeAfterTheNextReadingAsync();

        var anon = Mappings.MapPrivateAnonymous((nuint)Private);
        var shared = Mappings.MapSharedAnonymous((nuint)SharedBytes);
        Scraped mapped, unmapped;
        try
        {
            mapped = await ScrapeAfterTheNextReadingAsync();
        }
        finally
        {
            Mappings.Unmap(anon, (nuint)Private);
            Mappings.Unmap(shared, (nuint)SharedBytes);
        }
        unmapped = await ScrapeAfterTheNextReadingAsync();

        Assert.Equal("gauge", mapped.Types["xmonitor_process_private_anon_bytes"]);
        Assert.Equal("counter", mapped.Types["xmonitor_process_vm_allocated_bytes_total"]);
        var own = mapped.Named("xmonitor_process_private_anon_bytes").Single(s => s.Labels["pid"] == pid);
        Assert.Equal(["comm", "pid"], own.Labels.Keys.Order());
        // The runtime maps and unmaps memory of its own meanwhile (tens of KiB seen): ours with a
        // tenth of slack, and the unmap takes ours off again.
        Assert.True(own.Value >= Private * 0.9, $"{own.Value} bytes of private anonymous memory, mapped {Private}");
        var ownShared = mapped.Named("xmonitor_process_shared_bytes").Single(s => s.Labels["pid"] == pid).Value;
        Assert.True(ownShared >= SharedBytes * 0.9, $"{ownShared} shared bytes, mapped {SharedBytes}");
        Assert.Single(mapped.Named("xmonitor_process_brk_bytes"), s => s.Labels["pid"] == pid);
        var after = unmapped.Named("xmonitor_process_private_anon_bytes").SingleOrDefault(s => s.Labels["pid"] == pid)?.Value ?? 0;
        Assert.True(own.Value - after >= Private * 0.9, $"private anonymous bytes went from {own.Value} to {after} after unmapping {Private}");

        double Untracked(Scraped s) => host.Services.GetRequiredService<ProcessVmProbe>().ReadSample().Find(Environment.ProcessId)?.UntrackedFreedBytes ?? 0;
        double Delta(Scraped a, Scraped b, string family, string kind) => b.Value(family, ("kind", kind)) - a.Value(family, ("kind", kind));
        Assert.True(Delta(before, mapped, "xmonitor_process_vm_allocated_bytes_total", "anon_private") >= Private, $"allocated anon_private: {Delta(before, mapped, "xmonitor_process_vm_allocated_bytes_total", "anon_private")} bytes, untracked freed {Untracked(mapped)}");
        Assert.True(Delta(before, mapped, "xmonitor_process_vm_allocated_bytes_total", "shared") >= SharedBytes, $"allocated shared: {Delta(before, mapped, "xmonitor_process_vm_allocated_bytes_total", "shared")} bytes, untracked freed {Untracked(mapped)}");
        // Part of an unmap the probe cannot match to a mapping it saw counts as untracked, not freed
        // (seen: 64 KiB of the 64 MiB, 1 run in 3 after the other tests): a tenth of slack.
        Assert.True(Delta(mapped, unmapped, "xmonitor_process_vm_freed_bytes_total", "anon_private") >= Private * 0.9, $"freed anon_private: {Delta(mapped, unmapped, "xmonitor_process_vm_freed_bytes_total", "anon_private")} bytes, untracked freed {Untracked(unmapped)}");
        Assert.True(Delta(mapped, unmapped, "xmonitor_process_vm_freed_bytes_total", "shared") >= SharedBytes * 0.9, $"freed shared: {Delta(mapped, unmapped, "xmonitor_process_vm_freed_bytes_total", "shared")} bytes, untracked freed {Untracked(unmapped)}");
        Assert.Equal(3, unmapped.Named("xmonitor_process_vm_freed_bytes_total").Count());

        var legacy = mapped.Named("process_address_space_privanon_share_pages").Single(s => s.Labels["pid"] == pid && s.Labels["call"] == "mmap");
        Assert.Equal(own.Value / Environment.SystemPageSize, legacy.Value);
        Assert.Equal("XM_Resource_PID", legacy.Labels["res_type"]);
        Assert.Equal(pid, legacy.Labels["res_value"]);
        Assert.Equal("xm_ebpf", legacy.Labels["from"]);

        await host.Services.GetRequiredService<ProcessVmProbe>().DisposeAsync();
        // Six counters always; the process gauges only while some process has address space mapped.
        Assert.True(MeterCheck.AssertMeterMatchesScrape(host.Registry, "ProcessVm") >= 6);
    }
}
