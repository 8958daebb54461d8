using System.Net;
using XMonitor.Agent;
using XMonitor.Agent.Configuration;
using XMonitor.Agent.Events;
using XMonitor.Agent.Http;
using XMonitor.Agent.Probes;
using XMonitor.Agent.Security;
using XMonitor.Bpf.Prometheus;

// Everything up to the probes' attachment runs on the main thread on purpose: it is the thread
// whose capabilities /proc/self/status shows and the one capset drops them on.
if (args.Contains("-h") || args.Contains("--help"))
{
    Console.WriteLine(AgentArguments.Usage);
    return 0;
}
AgentArguments arguments;
AgentConfig config;
try
{
    arguments = AgentArguments.Parse(args);
    config = ConfigLoader.Load(arguments.ConfigFile);
}
catch (ArgumentException e)
{
    Console.Error.WriteLine($"xmon-agent: {e.Message}\n\n{AgentArguments.Usage}");
    return 2;
}
catch (ConfigException e)
{
    Console.Error.WriteLine($"xmon-agent: {e.Message}");
    return 2;
}

NativeHeap.ReturnLargeBlocksToKernel();
var effective = Capabilities.Effective();
var missing = Capabilities.Missing(effective);
if (missing.Count > 0)
{
    Console.Error.WriteLine($"xmon-agent: missing capabilities {string.Join(", ", missing)}: run as root, or grant them " +
        "(and, for a non-root user, CAP_DAC_READ_SEARCH for tracefs; systemd: AmbientCapabilities=, " +
        "Kubernetes: securityContext.capabilities.add) and start again");
    return 3;
}
if (config.Metrics.EnableRunStatistics && !Capabilities.CanEnableRunStatistics(effective))
{
    Console.Error.WriteLine($"xmon-agent: {Path.GetFileName(config.File)}: metrics.enable_run_statistics needs CAP_SYS_ADMIN " +
        "(the kernel's BPF_ENABLE_STATS takes it, CAP_BPF is not enough): grant it, or set the key to false and " +
        "switch the statistics on for the whole machine with sysctl kernel.bpf_stats_enabled=1");
    return 3;
}

var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [], ContentRootPath = AppContext.BaseDirectory });
builder.Logging.ClearProviders();
builder.Logging.SetMinimumLevel(config.Logging.Level);
// Request logs of ASP.NET Core would drown the probes' lines at Information.
builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
builder.Logging.AddFilter("Microsoft.Hosting.Lifetime", LogLevel.Warning);
if (config.Logging.Json)
    builder.Logging.AddJsonConsole(o =>
    {
        o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ";
        o.UseUtcTimestamp = true;
        // Log lines go to a terminal or a log shipper, never into HTML: keep quotes readable.
        o.JsonWriterOptions = new System.Text.Json.JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
    });
else
    builder.Logging.AddSimpleConsole(o => o.TimestampFormat = "HH:mm:ss ");
builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(3));
// The slim builder already carries Kestrel without HTTPS and QUIC; UseKestrel would add both (and load
// System.Net.Quic) for a plain-HTTP listener.
builder.WebHost.ConfigureKestrel(o => o.Listen(IPAddress.Parse(config.Listen.Address), config.Listen.Port));

var metricsOptions = new XMonitorMetricsOptions
{
    LegacyNames = config.Metrics.LegacyNames,
    MaxProcessSeries = config.Metrics.MaxProcessSeries,
    EnableRunStatistics = config.Metrics.EnableRunStatistics,
};
builder.Services.AddSingleton(sp => new XMonitorMetricsRegistry(metricsOptions, sp.GetRequiredService<ILogger<XMonitorMetricsRegistry>>()));
var app = builder.Build();
var loggers = app.Services.GetRequiredService<ILoggerFactory>();
var registry = app.Services.GetRequiredService<XMonitorMetricsRegistry>();
EventHub events;
try
{
    events = new EventHub(config.Events, loggers.CreateLogger<EventHub>());
}
catch (Exception e) when (e is IOException or UnauthorizedAccessException)
{
    Console.Error.WriteLine($"xmon-agent: {Path.GetFileName(config.File)}: events.file: cannot open {config.Events.File}: {e.Message}");
    return 2;
}
await using var eventsLifetime = events;
var probes = new ProbeManager(registry, events, loggers, config.Metrics.MaxProcessSeries);
var reloads = new ReloadCounters();
var dropped = false;
registry.Add(new AgentMetricsCollector(probes, events, reloads, () => Volatile.Read(ref dropped)));

app.MapXMonitorMetrics();
app.MapAgentEndpoints(probes, events, config.File, () => Volatile.Read(ref dropped));
var log = loggers.CreateLogger("XMonitor.Agent");
foreach (var warning in Capabilities.Warnings(effective, Capabilities.IsRoot))
    log.LogWarning("Capabilities: {Warning}", warning);
try
{
    app.Start();
}
catch (IOException e)
{
    Console.Error.WriteLine($"xmon-agent: cannot listen on {config.Listen.Address}:{config.Listen.Port}: {e.Message}");
    return 1;
}
log.LogInformation("xmon-agent {Version} serving /metrics, /healthz, /probes and /events on {Urls}; configuration {File}",
    typeof(Program).Assembly.GetName().Version, string.Join(", ", app.Urls), Path.GetFullPath(config.File));

await using (probes)
{
    probes.Start(config);
    if (config.DropCapabilities)
    {
        if (BpfLoadLock.IsAvailable)
            BpfLoadLock.Install();
        Capabilities.DropAll();
        Volatile.Write(ref dropped, true);
        probes.CannotRestartReason = "the agent dropped its capabilities after attaching (drop_capabilities: true) and can load no program";
        log.LogInformation("Capabilities dropped: CapEff of the main thread is {CapEff:x16}; {Threads} older threads keep theirs (capabilities are per thread), {Lock}",
            Capabilities.Effective(), Capabilities.ThreadsWithCapabilities(),
            BpfLoadLock.IsAvailable ? "but a seccomp filter on every thread makes loading or attaching BPF programs and perf events fail with EPERM" : "and no seccomp filter is installed on this architecture");
    }
    await using (new ConfigReloader(config, probes, reloads, loggers.CreateLogger<ConfigReloader>()))
    {
        await app.WaitForShutdownAsync();
    }
    log.LogInformation("Stopping: detaching every probe");
}
await app.DisposeAsync();
log.LogInformation("Stopped");
return 0;
