using XMonitor.Bpf.Probes.CacheStat;
using XMonitor.Bpf.Probes.CpuSched;
using XMonitor.Bpf.Prometheus;

var builder = WebApplication.CreateBuilder(args);

// Kernel metrics: page cache activity (cachestat) and run-queue latency (runqlat) on /metrics.
builder.Services
    .AddCacheStatProbe().AddCacheStatMetrics()
    .AddCpuSchedProbe().AddCpuSchedMetrics()
    .AddXMonitorMetrics();

var app = builder.Build();

app.MapGet("/", () => "XMonitor.AspNetApp is running. Kernel metrics are on /metrics.");
app.MapGet("/orders/{id:int}", (int id) => Results.Ok(new Order(id, $"order {id}", 10m * id)));
app.MapXMonitorMetrics("/metrics");

app.Run();

/// <summary>What the app's own endpoint returns.</summary>
internal sealed record Order(int Id, string Description, decimal Total);
