using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using XMonitor.Bpf;
using XMonitor.Bpf.Probes.CpuSched;
using XMonitor.Samples.Runqlat;

SampleSettings settings;
try
{
    if (args.Contains("-h") || args.Contains("--help"))
    {
        Console.WriteLine(SampleSettings.Usage);
        return 0;
    }
    settings = SampleSettings.Parse(args);
}
catch (ArgumentException e)
{
    Console.Error.WriteLine($"xmon-runqlat: {e.Message}\n\n{SampleSettings.Usage}");
    return 2;
}

// The configuration's own command-line parsing would read the probe's arguments: keep it out.
var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = [] });
// Logs go to stderr so stdout holds only what BCC's runqlat would print.
builder.Logging.AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
builder.Services.AddSingleton(settings);
builder.Services.AddCpuSchedProbe(o =>
{
    var p = settings.Probe;
    (o.Interval, o.Unit, o.Aggregation, o.Filter) = (p.Interval, p.Unit, p.Aggregation, p.Filter);
    (o.OffCpuThreshold, o.HungTaskThreshold, o.AttachStrategy) = (p.OffCpuThreshold, p.HungTaskThreshold, p.AttachStrategy);
});
// After the probe: hosted services start in order (the banner names the chosen strategy) and
// stop in reverse (the statistics are read while the programs are still attached).
builder.Services.AddHostedService<Printer>();

try
{
    await builder.Build().RunAsync();
    return 0;
}
catch (Exception e) when (e is BpfException or ArgumentException or Microsoft.Extensions.Options.OptionsValidationException)
{
    Console.Error.WriteLine($"xmon-runqlat: {e.Message}");
    return 1;
}
