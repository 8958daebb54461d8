using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using XMonitor.Bpf.Probes.Napi;
using XMonitor.Bpf.Probes.Tests.Napi;

namespace XMonitor.Bpf.Prometheus.Tests.Adapters;

[Collection(nameof(ProbeAdapterCollection))]
public sealed class NapiMetricsTests
{
    private const int Datagrams = 20_000;

    [Fact]
    public async Task Datagrams_over_a_veth_pair_show_as_the_receivers_polls_packets_and_histograms()
    {
        BpfEnvironment.Require();
        using var veth = new VethPair();
        var tool = UdpTool.Path;
        await using var host = await AdapterHost.StartAsync(s => s.AddNapiProbe(o =>
        {
            o.NetworkNamespace = veth.ReceiverNamespace;
            o.Interval = TimeSpan.FromMilliseconds(200);
            o.MeasurePollTime = true;
        }).AddNapiMetrics());

        using var receiver = veth.Exec(veth.Receiver, tool, "recv", "9000", "1000");
        Assert.Equal("ready", receiver.StandardOutput.ReadLine());
        var before = veth.ReceivedPackets();
        using (var sender = veth.Exec(veth.Sender, tool, "send", VethPair.ReceiverAddress, "9000", Datagrams.ToString(CultureInfo.InvariantCulture)))
        {
            Assert.True(sender.WaitForExit(30_000), "the sender did not finish");
            Assert.Equal(0, sender.ExitCode);
        }
        Assert.Equal(Datagrams, long.Parse(receiver.StandardOutput.ReadLine()!, CultureInfo.InvariantCulture));
        Assert.True(receiver.WaitForExit(10_000));
        var deviceReceived = veth.ReceivedPackets() - before;
        await host.Services.GetRequiredService<NapiProbe>().DisposeAsync();

        var scrape = Scraped.Parse(host.Scrape());
        foreach (var name in new[] { "polls", "packets", "budget_exhausted_polls", "idle_polls" })
            Assert.Equal("counter", scrape.Types[$"xmonitor_napi_{name}_total"]);
        Assert.Equal("histogram", scrape.Types["xmonitor_napi_poll_packets"]);
        Assert.Equal("histogram", scrape.Types["xmonitor_napi_poll_duration_seconds"]);
        // Only the receiver's namespace is recorded, and in it only veth-rx.
        var packets = Assert.Single(scrape.Named("xmonitor_napi_packets_total"));
        Assert.Equal(veth.ReceiverNamespace.ToString(CultureInfo.InvariantCulture), packets.Labels["netns"]);
        Assert.Equal("veth-rx", packets.Labels["device"]);
        var labels = packets.Labels.Select(l => (l.Key, l.Value)).ToArray();
        // Every packet the device counted, plus the few the namespace exchanged outside that window
        // (ARP, IPv6 neighbour discovery while the link came up): at most 20.
        Assert.InRange(packets.Value, deviceReceived, deviceReceived + 20);
        var polls = scrape.Value("xmonitor_napi_polls_total", labels);
        Assert.Equal(polls, scrape.Value("xmonitor_napi_poll_packets_count", labels));
        Assert.Equal(packets.Value, scrape.Value("xmonitor_napi_poll_packets_sum", labels));
        Assert.InRange(scrape.Value("xmonitor_napi_budget_exhausted_polls_total", labels), 0, polls);
        Assert.InRange(scrape.Value("xmonitor_napi_idle_polls_total", labels), 0, polls);
        // Packets per poll: le 1, 3, 7... would be exact for integers; the log2 bounds are 2, 4, 8...
        Assert.Equal("2", scrape.Named("xmonitor_napi_poll_packets_bucket").First().Labels["le"]);
        // The softirq strategy (no kprobes, no fentry here) times the polls it sees in NET_RX: nearly all.
        var timed = scrape.Value("xmonitor_napi_poll_duration_seconds_count", labels);
        Assert.InRange(timed, polls * 0.9, polls);
        Assert.InRange(scrape.Value("xmonitor_napi_poll_duration_seconds_sum", labels) / timed, 1e-7, 1);

        Assert.True(MeterCheck.AssertMeterMatchesScrape(host.Registry, "Napi") >= 4);
    }
}
