using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using XMonitor.Bpf;
using XMonitor.Bpf.Probes.OomKill;
using XMonitor.Samples.OomKill;

// xmon-oomkill: prints one line per OOM kill, like BCC's oomkill, with the victim's memory cgroup
// and what ran out; runs where BCC's needs kprobes and the kernel has none.
if (args.Length > 0)
{
    Console.Error.WriteLine("usage: xmon-oomkill   (as root; Ctrl-C stops)");
    return args.Contains("-h") || args.Contains("--help") ? 0 : 2;
}

var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = [] });
// Logs go to stderr so stdout holds only the kills.
builder.Logging.AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
builder.Services.AddOomKillProbe();
builder.Services.AddHostedService<KillPrinter>();

try
{
    await builder.Build().RunAsync();
    return 0;
}
catch (Exception e) when (e is BpfException or OptionsValidationException)
{
    Console.Error.WriteLine($"xmon-oomkill: {e.Message}");
    return 1;
}
