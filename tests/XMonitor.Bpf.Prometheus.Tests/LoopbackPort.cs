using System.Net;
using System.Net.Sockets;

namespace XMonitor.Bpf.Prometheus.Tests;

/// <summary>Free TCP ports on 127.0.0.1 for servers the tests start.</summary>
internal static class LoopbackPort
{
    /// <summary>A port that was free a moment ago (the system picked it; another process could take it before the caller binds).</summary>
    public static int Free()
    {
        using var socket = new TcpListener(IPAddress.Loopback, 0);
        socket.Start();
        return ((IPEndPoint)socket.LocalEndpoint).Port;
    }
}
