using System.Globalization;
using BenchmarkDotNet.Running;
using XMonitor.Bpf.Benchmarks;

// `--compare ringbuf|maps [--repeats N]` prints thread-CPU-time figures in the format benchmarks/run.sh
// parses; anything else goes to BenchmarkDotNet (for example `--filter '*'`).
if (args is ["--compare", var what, .. var rest])
{
    var repeats = rest is ["--repeats", var n] ? int.Parse(n, CultureInfo.InvariantCulture) : 200;
    return what switch
    {
        "ringbuf" => RingBufferComparison.Run(repeats),
        "maps" => MapComparison.Run(repeats),
        _ => Usage(),
    };
}
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args, new ShortBenchConfig());
return 0;

static int Usage()
{
    Console.Error.WriteLine("usage: --compare ringbuf|maps [--repeats N], or BenchmarkDotNet arguments (--filter '*')");
    return 2;
}
