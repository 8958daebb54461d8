using System.Net;
using System.Net.Http.Headers;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace XMonitor.Bpf.Prometheus.Tests;

public sealed class HostingTests
{
    [Fact]
    public async Task MapXMonitorMetrics_serves_both_formats_by_Accept_header()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseTestServer();
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton<IBpfMetricsCollector>(SampleFamilies.Collector());
        builder.Services.AddXMonitorMetrics();
        await using var app = builder.Build();
        app.MapXMonitorMetrics("/metrics");
        await app.StartAsync(TestContext.Current.CancellationToken);
        var client = app.GetTestClient();

        using var text = await client.GetAsync("/metrics", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, text.StatusCode);
        Assert.Equal("text/plain; version=0.0.4; charset=utf-8", text.Content.Headers.ContentType!.ToString());
        var body = await text.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.Contains("xmonitor_sample_hits_total{comm=\"bash\"} 7\n", body);
        Assert.Equal(body.Length, text.Content.Headers.ContentLength);

        using var request = new HttpRequestMessage(HttpMethod.Get, "/metrics");
        request.Headers.Accept.ParseAdd("application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5");
        using var om = await client.SendAsync(request, TestContext.Current.CancellationToken);
        Assert.Equal("application/openmetrics-text; version=1.0.0; charset=utf-8", om.Content.Headers.ContentType!.ToString());
        Assert.EndsWith("# EOF\n", await om.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task The_standalone_listener_serves_loopback_on_its_path_only()
    {
        using var registry = new XMonitorMetricsRegistry(new XMonitorMetricsOptions { Port = 0 });
        registry.Add(SampleFamilies.Collector());
        await using var listener = await XMonitorMetricsListener.StartAsync(registry, TestContext.Current.CancellationToken);
        Assert.Equal("127.0.0.1", listener.Url.Host);
        Assert.Equal("/metrics", listener.Url.AbsolutePath);

        using var http = new HttpClient();
        var body = await http.GetStringAsync(listener.Url, TestContext.Current.CancellationToken);
        Assert.Contains("xmonitor_probe_up{probe=\"Sample\"} 1\n", body);
        using var missing = await http.GetAsync(new Uri(listener.Url, "/other"), TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }

    [Fact]
    public async Task A_generic_host_runs_the_listener_when_asked()
    {
        var port = LoopbackPort.Free();
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton<IBpfMetricsCollector>(SampleFamilies.Collector());
        builder.Services.AddXMonitorMetrics(o =>
        {
            o.Listen = true;
            o.Port = port;
        });
        using var host = builder.Build();
        await host.StartAsync(TestContext.Current.CancellationToken);
        using var http = new HttpClient();
        http.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/openmetrics-text"));
        var body = await http.GetStringAsync($"http://127.0.0.1:{port}/metrics", TestContext.Current.CancellationToken);
        Assert.EndsWith("# EOF\n", body);
        await host.StopAsync(TestContext.Current.CancellationToken);
        await Assert.ThrowsAsync<HttpRequestException>(() => http.GetStringAsync($"http://127.0.0.1:{port}/metrics", TestContext.Current.CancellationToken));
    }
}
