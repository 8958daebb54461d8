using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace XMonitor.Bpf.Probes.Tests.Napi;

/// <summary>
/// Two network namespaces of the test's own joined by a veth pair, 10.231.0.1 (sender) to
/// 10.231.0.2 (receiver). GRO on the receiving end makes veth receive through its NAPI poller; TSO
/// off on the sending end keeps the UDP datagrams on that path (napi.bpf.c). Deleting the
/// namespaces on dispose deletes the pair.
/// </summary>
internal sealed class VethPair : IDisposable
{
    public const string ReceiverAddress = "10.231.0.2";
    private readonly string _ip;

    public VethPair()
    {
        _ip = Tool.Find("ip") ?? Missing("iproute2 (ip) is not installed");
        var ethtool = Tool.Find("ethtool") ?? Missing("ethtool is not installed");
        Sender = $"xmon-napi-{Environment.ProcessId}-tx";
        Receiver = $"xmon-napi-{Environment.ProcessId}-rx";
        try
        {
            Ip("netns", "add", Sender);
            Ip("netns", "add", Receiver);
            Ip("link", "add", "veth-tx", "netns", Sender, "type", "veth", "peer", "name", "veth-rx", "netns", Receiver);
            Ip("-n", Sender, "addr", "add", "10.231.0.1/24", "dev", "veth-tx");
            Ip("-n", Receiver, "addr", "add", ReceiverAddress + "/24", "dev", "veth-rx");
            Run(_ip, "netns", "exec", Receiver, ethtool, "-K", "veth-rx", "gro", "on");
            Run(_ip, "netns", "exec", Sender, ethtool, "-K", "veth-tx", "tso", "off");
            Ip("-n", Sender, "link", "set", "veth-tx", "up");
            Ip("-n", Receiver, "link", "set", "veth-rx", "up");
            var link = Run(_ip, "netns", "exec", Receiver, "readlink", "/proc/self/ns/net").Trim();
            // "net:[4026532247]"
            ReceiverNamespace = uint.Parse(link[5..^1], CultureInfo.InvariantCulture);
            using var doc = JsonDocument.Parse(Run(_ip, "-n", Receiver, "-j", "link", "show", "veth-rx"));
            ReceiverIndex = doc.RootElement[0].GetProperty("ifindex").GetInt32();
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public string Sender { get; }

    public string Receiver { get; }

    /// <summary>The inode of the receiver's network namespace.</summary>
    public uint ReceiverNamespace { get; }

    /// <summary>The receiving device's interface index in its namespace.</summary>
    public int ReceiverIndex { get; }

    /// <summary>
    /// Polls the receiving device in a kernel thread (threaded NAPI) instead of the sender's softirq:
    /// the sender then fills veth's ring while the poller catches up, so polls find many packets.
    /// </summary>
    public void MakeReceiverThreaded()
        => Run(_ip, "netns", "exec", Receiver, "sh", "-c", "echo 1 > /sys/class/net/veth-rx/threaded");

    /// <summary>Packets the receiving device counted (rx_packets).</summary>
    public ulong ReceivedPackets()
    {
        using var doc = JsonDocument.Parse(Run(_ip, "-n", Receiver, "-s", "-j", "link", "show", "veth-rx"));
        return doc.RootElement[0].GetProperty("stats64").GetProperty("rx").GetProperty("packets").GetUInt64();
    }

    /// <summary>Starts <paramref name="args"/> in namespace <paramref name="netns"/> with its output readable.</summary>
    public Process Exec(string netns, params string[] args)
    {
        var start = new ProcessStartInfo(_ip) { RedirectStandardOutput = true };
        foreach (var a in new[] { "netns", "exec", netns }.Concat(args))
            start.ArgumentList.Add(a);
        return Process.Start(start)!;
    }

    public void Dispose()
    {
        Tool.Run(_ip, "netns", "del", Sender);
        Tool.Run(_ip, "netns", "del", Receiver);
    }

    private void Ip(params string[] args) => Run(_ip, args);

    private static string Run(string file, params string[] args)
    {
        var (code, output, error) = Tool.Run(file, args);
        Assert.True(code == 0, $"{file} {string.Join(' ', args)} failed: {error}");
        return output;
    }

    private static string Missing(string reason)
    {
        BpfEnvironment.Fail(reason);
        throw new InvalidOperationException("unreachable");
    }
}
