// xmon-trace: strace-like syscall tracing on eBPF (raw syscall tracepoints, or kprobes on kernel
// functions with -K); see TraceOptions.Usage.
using XMonitor.Trace;

var options = TraceOptions.Parse(args, out var error);
if (options is null)
{
    Console.Error.WriteLine($"xmon-trace: {error}");
    Console.Error.WriteLine(TraceOptions.Usage);
    return 2;
}

using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    stop.Cancel();
};

using var output = options.OutputPath is null
    ? new StreamWriter(Console.OpenStandardError()) { AutoFlush = false }
    : new StreamWriter(options.OutputPath);
return new Tracer(options, output, Console.Error).Run(stop.Token);
