using System.Globalization;
using XMonitor.Bpf;
using XMonitor.Bpf.Probes;
using XMonitor.Bpf.Probes.BioLatency;
using XMonitor.Samples.Biolatency;

const string usage = """
    usage: xmon-biolatency [-D] [-Q] [--disk NAME] [interval-seconds [count]]

    Prints block I/O latency histograms like BCC's biolatency: the service time (issue to
    completion) of every disk's requests in one histogram, per interval.

      -D, --disks    one histogram per disk, with its counters
      -Q, --queued   also print the queue-time histogram (insert to issue)
      --disk NAME    only this disk (vda, or major:minor)
      -h, --help     this text
    """;

var options = new BioLatencyOptions();
var perDisk = false;
var queued = false;
var count = 0;
try
{
    var positional = new List<string>();
    for (var i = 0; i < args.Length; i++)
    {
        switch (args[i])
        {
            case "-h" or "--help": Console.WriteLine(usage); return 0;
            case "-D" or "--disks": perDisk = true; break;
            case "-Q" or "--queued": queued = true; break;
            case "--disk": options.Disk = i + 1 < args.Length ? args[++i] : throw new ArgumentException("--disk needs a value"); break;
            default:
                if (args[i].StartsWith('-'))
                    throw new ArgumentException($"unknown option {args[i]}");
                positional.Add(args[i]);
                break;
        }
    }
    if (positional.Count > 2)
        throw new ArgumentException("at most two positional arguments: interval and count");
    if (positional.Count > 0)
        options.Interval = double.TryParse(positional[0], NumberStyles.Float, CultureInfo.InvariantCulture, out var s) && s > 0
            ? TimeSpan.FromSeconds(s) : throw new ArgumentException($"interval '{positional[0]}' is not a positive number of seconds");
    if (positional.Count > 1)
        count = int.TryParse(positional[1], NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0
            ? n : throw new ArgumentException($"count '{positional[1]}' is not a positive integer");
}
catch (ArgumentException e)
{
    Console.Error.WriteLine($"xmon-biolatency: {e.Message}\n\n{usage}");
    return 2;
}

using var done = new ManualResetEventSlim();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    done.Set();
};
var printed = 0;
using var probe = new BioLatencyProbe(options);
probe.Samples.Subscribe(new Observer<BlockIoLatency>(reading =>
{
    // The reading the probe publishes on dispose covers a partial interval: BCC prints none.
    if (done.IsSet)
        return;
    Console.Write(HistogramPrinter.Format(reading, perDisk, queued));
    if (count > 0 && ++printed >= count)
        done.Set();
}));
try
{
    probe.Start();
}
catch (Exception e) when (e is BpfException or ArgumentException)
{
    Console.Error.WriteLine($"xmon-biolatency: {e.Message}");
    return 1;
}
Console.Error.WriteLine($"Tracing block device I/O with {probe.AttachStrategy?.ToString()}... Hit Ctrl-C to end.");
done.Wait();
return 0;
