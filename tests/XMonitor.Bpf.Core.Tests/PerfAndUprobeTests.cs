using System.Runtime.InteropServices;

namespace XMonitor.Bpf.Tests;

/// <summary>The perf event array reader and uprobe attachment against real events.</summary>
public sealed partial class PerfAndUprobeTests
{
    [StructLayout(LayoutKind.Sequential)]
    private record struct PerfSample(uint Tid, uint Seq, ulong Magic);

    [LibraryImport("libc", EntryPoint = "getppid")]
    private static partial int GetPpid();

    /// <summary>The test object, its programs counting only the calling thread.</summary>
    private static BpfObject LoadForThisThread()
    {
        using var open = BpfEnvironment.Open("perfuprobe");
        open.SetConstant("target_tid", BpfEnvironment.CurrentTid);
        return open.Load();
    }

    [Fact]
    public void PerfEventArrayDeliversEverySampleWithItsContents()
    {
        BpfEnvironment.Require();
        using var obj = LoadForThisThread();
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
        using var obj = LoadForThisThread();
        using var perf = new BpfPerfEventArray(obj.GetMap("samples"), pagesPerCpu: 8);
        using var link = obj.GetProgram("emit_sample").Attach();
        BpfEnvironment.GetPid();

        var ex = Assert.Throws<InvalidOperationException>(() => perf.Poll((_, _) => throw new InvalidOperationException("handler failed"), TimeSpan.FromSeconds(2)));
        Assert.Equal("handler failed", ex.Message);
    }

    [LibraryImport("libc", EntryPoint = "syscall", SetLastError = true)]
    private static unsafe partial int PerfEventOpen(long number, byte* attr, int pid, int cpu, int groupFd, ulong flags);

    [Fact]
    public unsafe void AProgramAttachedToAPerfEventRunsOnItsSamples()
    {
        BpfEnvironment.Require();
        // perf_event_attr: software CPU clock of this thread, sampled 1000 times a second of CPU time.
        const int AttrSize = 128;
        var attr = stackalloc byte[AttrSize];
        new Span<byte>(attr, AttrSize).Clear();
        *(uint*)attr = 1;                       // type = PERF_TYPE_SOFTWARE
        *(uint*)(attr + 4) = AttrSize;          // size
        *(ulong*)(attr + 8) = 0;                // config = PERF_COUNT_SW_CPU_CLOCK
        *(ulong*)(attr + 16) = 1000;            // sample_freq
        *(ulong*)(attr + 40) = 1UL << 10;       // flags: freq
        var fd = PerfEventOpen(298 /* perf_event_open */, attr, 0, -1, -1, 8 /* PERF_FLAG_FD_CLOEXEC */);
        Assert.True(fd >= 0, $"perf_event_open failed: {Errno.Describe(Marshal.GetLastPInvokeError())}");
        using var perfFd = new Microsoft.Win32.SafeHandles.SafeFileHandle(fd, ownsHandle: true);

        using var obj = BpfEnvironment.Open("perfuprobe").Load();
        using (var link = obj.GetProgram("on_cpu_clock").AttachPerfEvent(fd))
        {
            Assert.Equal(BpfAttachKind.PerfEvent, link.Kind);
            var until = DateTime.UtcNow.AddMilliseconds(300);
            var spins = 0L;
            while (DateTime.UtcNow < until)
                spins++;
            Assert.True(spins > 0);
        }
        // The link closed its own copy: the caller's descriptor is still open and still the perf event.
        Assert.Equal("anon_inode:[perf_event]", new FileInfo($"/proc/self/fd/{fd}").LinkTarget);
        // 300 ms of this thread's CPU at 1000 Hz: a few hundred samples; a loaded machine gives
        // the thread less CPU, hence the low bound.
        Assert.InRange(obj.ReadGlobal<ulong>(".bss", 16), 20UL, 400UL);
    }

    [Fact]
    public void UprobeOnALibcFunctionCountsThisThreadsCalls()
    {
        BpfEnvironment.Require();
        var libc = File.ReadLines("/proc/self/maps").Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Where(f => f.Length >= 6 && Path.GetFileName(f[5]).StartsWith("libc.so", StringComparison.Ordinal)).Select(f => f[5]).First();
        using var obj = LoadForThisThread();
        using var link = obj.GetProgram("count_call").AttachUprobe(libc, "getppid", pid: Environment.ProcessId);
        Assert.Equal(BpfAttachKind.Uprobe, link.Kind);

        for (var i = 0; i < 321; i++)
            GetPpid();

        Assert.Equal(321UL, obj.ReadGlobal<ulong>(".bss", 8));
    }
}
