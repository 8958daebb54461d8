namespace XMonitor.Trace.Tests;

/// <summary>Runs the tracer in this process, as the command line would, and collects what it printed.</summary>
internal sealed record TraceRun(int ExitCode, string Output, string Diagnostics)
{
    public string[] Lines => Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);

    public static TraceRun Start(IReadOnlyList<string> args, CancellationToken stop)
    {
        BpfEnvironment.Require();
        var options = TraceOptions.Parse(args, out var error);
        Assert.True(options is not null, error);
        var output = new StringWriter();
        var diagnostics = new StringWriter();
        var code = new Tracer(options, output, diagnostics).Run(stop);
        return new TraceRun(code, output.ToString(), diagnostics.ToString());
    }
}
