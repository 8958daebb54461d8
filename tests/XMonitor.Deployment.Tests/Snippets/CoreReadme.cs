using System.Runtime.InteropServices;
using XMonitor.Bpf;

namespace XMonitor.Deployment.Tests.Snippets;

/// <summary>The C# blocks of the repository README's Core example and src/XMonitor.Bpf.Core/README.md, compiled (never run).</summary>
internal static class Program
{
    [StructLayout(LayoutKind.Sequential)]
    private struct Event
    {
        public uint Pid;
    }

    private static void Handle(Event e) => Console.WriteLine(e.Pid);

    public static async Task CoreApi(uint tid, CancellationToken stoppingToken)
    {
        // Open (from a file, bytes, or a resource the build embedded), configure, load.
        using var open = BpfObject.OpenEmbedded(typeof(Program).Assembly, "counter.bpf.o");
        open.SetConstant("target_tid", tid);                    // const volatile u32 target_tid
        open.GetMap("counts").MaxEntries = 16;                  // before load only
        using BpfObject obj = open.Load();                      // BpfVerifierException carries the verifier log

        // Attach as the section says, or explicitly; a link detaches on Dispose.
        using BpfLink link = obj.GetProgram("count_tp_btf").Attach();

        // Typed maps over unmanaged structs; no allocation per call.
        var counts = obj.GetMap("counts").AsTyped<uint, ulong>();
        if (counts.TryLookup(0, out var n)) Console.WriteLine(n);

        // Ring buffer: records handed out as spans over the kernel's memory.
        using var ring = new BpfRingBuffer(obj.GetMap("events"));
        await ring.RunAsync(record => Handle(MemoryMarshal.Read<Event>(record)), stoppingToken);

        // What the kernel offers decides the strategy.
        if (!KernelFeatures.IsSupported(KernelFeature.Fentry)) { /* use tp_btf or tracepoints */ }
    }

    private sealed class MyProbe;

    public static void EmbeddedObject()
    {
        using var open = BpfObject.OpenEmbedded(typeof(MyProbe).Assembly, "myprobe.bpf.o");
        using var obj = open.Load();
        using var link = obj.GetProgram("handle_exec").Attach();
    }
}
