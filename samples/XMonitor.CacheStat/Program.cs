using XMonitor.Bpf;
using XMonitor.Bpf.Probes;
using XMonitor.Bpf.Probes.CacheStat;
using XMonitor.Samples.CacheStat;

Settings settings;
try
{
    if (args.Contains("-h") || args.Contains("--help"))
    {
        Console.WriteLine(Settings.Usage);
        return 0;
    }
    settings = Settings.Parse(args);
}
catch (ArgumentException e)
{
    Console.Error.WriteLine($"xmon-cachestat: {e.Message}\n\n{Settings.Usage}");
    return 2;
}

var printer = new Printer(settings);
await using var probe = new CacheStatProbe(settings.Probe);
probe.Samples.Subscribe(printer);
try
{
    probe.Start();
}
catch (Exception e) when (e is BpfException or ArgumentException)
{
    Console.Error.WriteLine($"xmon-cachestat: {e.Message}");
    return 1;
}
var pages = probe.AttachStrategy == BpfAttachKind.BtfRawTracepoint;
Console.Error.WriteLine($"Tracing page cache with {(pages ? "tracepoints" : probe.AttachStrategy)} on {string.Join(", ", probe.AttachTargets)}; counts in {(pages ? "pages" : "calls")}. Ctrl+C to stop.");
Printer.PrintHeader(settings);

using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cancel.Cancel();
};
await Task.WhenAny(printer.Done, Task.Delay(Timeout.Infinite, cancel.Token).ContinueWith(_ => { }, TaskScheduler.Default));
return 0;
