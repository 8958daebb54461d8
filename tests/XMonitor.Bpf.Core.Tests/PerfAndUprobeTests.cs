using System.Runtime.InteropServices;

namespace XMonitor.Bpf.Tests;

/// <summary>The perf event array reader and uprobe attachment against real events.</summary>
public sealed partial class PerfAndUprobeTests
{
    [StructLayout(LayoutKind.Sequential)]
    private record struct PerfSample(uint Tid, uint Seq, ulong Magic);

    [LibraryImport("libc", EntryPoint = "getppid")]
    private static partial int GetPpid();

    [Fact]
    public void PerfEventArrayDeliversEverySampleWithItsContents()
    {
        BpfEnvironment.Require();
        using var open = BpfEnvironment.Open("perfuprobe");
        open.SetConstant("target_tid", BpfEnvironment.CurrentTid);
        using var obj = open.Load();
        using var perf = new BpfPerfEventArray(obj.GetMap("samples"), pagesPerCpu: 8);
        using var link = obj.GetProgram("emit_sample").Attach();

        for (var i = 0; i < 200; i++)
            BpfEnvironment.GetPid();

        var seen = new List<PerfSample>();
        var handled = 0;
        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (seen.Count < 200 && DateTime.UtcNow < deadline)
            handled += perf.Poll((cpu, record) => seen.Add(MemoryMarshal.Read<PerfSample>(record)), TimeSpan.FromMilliseconds(100));

        Assert.Equal(200, handled);
        Assert.Equal(Enumerable.Range(0, 200).Select(i => (uint)i), seen.Select(s => s.Seq).Order());
        Assert.All(seen, s => Assert.Equal((BpfEnvironment.CurrentTid, 0xfeedf00dcafebeefUL), (s.Tid, s.Magic)));
        Assert.Equal(0, perf.LostSamples);
    }

    [Fact]
    public void AHandlerExceptionSurfacesFromPollWithoutCrashing()
    {
        BpfEnvironment.Require();
        using var open = BpfEnvironment.Open("perfuprobe");
        open.SetConstant("target_tid", BpfEnvironment.CurrentTid);
        using var obj = open.Load();
        using var perf = new BpfPerfEventArray(obj.GetMap("samples"), pagesPerCpu: 8);
        using var link = obj.GetProgram("emit_sample").Attach();
        BpfEnvironment.GetPid();

        var ex = Assert.Throws<InvalidOperationException>(() => perf.Poll((_, _) => throw new InvalidOperationException("handler failed"), TimeSpan.FromSeconds(2)));
        Assert.Equal("handler failed", ex.Message);
    }

    [Fact]
    public void UprobeOnALibcFunctionCountsThisThreadsCalls()
    {
        BpfEnvironment.Require();
        var libc = File.ReadLines("/proc/self/maps").Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Where(f => f.Length >= 6 && Path.GetFileName(f[5]).StartsWith("libc.so", StringComparison.Ordinal)).Select(f => f[5]).First();
        using var open = BpfEnvironment.Open("perfuprobe");
        open.SetConstant("target_tid", BpfEnvironment.CurrentTid);
        using var obj = open.Load();
        using var link = obj.GetProgram("count_call").AttachUprobe(libc, "getppid", pid: Environment.ProcessId);
        Assert.Equal(BpfAttachKind.Uprobe, link.Kind);

        for (var i = 0; i < 321; i++)
            GetPpid();

        Assert.Equal(321UL, obj.ReadGlobal<ulong>(".bss", 8));
    }
}
