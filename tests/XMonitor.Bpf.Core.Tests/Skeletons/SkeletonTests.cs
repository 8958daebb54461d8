using System.Runtime.InteropServices;

namespace XMonitor.Bpf.Tests.Skeletons;

/// <summary>
/// The skeleton generated from skeleton_sample.bpf.o: configuration set through typed properties,
/// real events, and maps, globals and ring buffer records read through the generated types.
/// </summary>
public sealed partial class SkeletonTests
{
    private const int Calls = 5;
    private const ulong Magic = 0x1122334455667788;

    [LibraryImport("libc", EntryPoint = "getppid")]
    private static partial int GetPpid();

    [Fact]
    public void ConfigMapsGlobalsAndRecordsRoundTripThroughGeneratedTypes()
    {
        BpfEnvironment.Require();
        var tid = BpfEnvironment.CurrentTid;
        using var open = SkeletonSampleSkeleton.Open();
        Assert.Equal(7u, open.CfgU32);
        open.TargetTid = tid;
        open.CfgU32 = 9;
        open.CfgU64 = Magic;
        open.CfgEnabled = true;
        open.CfgMode = SkeletonSampleSkeleton.SampleMode.Trace;
        new uint[] { 1, 2, 3, 4 }.CopyTo(MemoryMarshal.Cast<byte, uint>(open.CfgPorts));

        using var skel = open.Load();
        Assert.Throws<InvalidOperationException>(() => open.CfgU32 = 1);
        using var link = skel.OnGetppidProgram.Attach();
        using var events = skel.OpenEventsReader();
        for (var i = 0; i < Calls; i++)
            GetPpid();

        Assert.Equal((ulong)Calls, skel.BssCalls);
        Assert.Equal(0xabcdu, skel.DataMarker);
        skel.DataMarker = 0x1234;
        Assert.Equal(0x1234u, skel.DataMarker);
        Assert.Equal(Magic, skel.CfgU64);
        Assert.Equal(SkeletonSampleSkeleton.SampleMode.Trace, skel.CfgMode);
        Span<byte> ports = stackalloc byte[16];
        skel.ReadCfgPorts(ports);
        Assert.Equal([1u, 2u, 3u, 4u], MemoryMarshal.Cast<byte, uint>(ports).ToArray());

        var key = new SkeletonSampleSkeleton.SampleKey { Tid = tid, Mode = (byte)SkeletonSampleSkeleton.SampleMode.Trace };
        Assert.True(skel.SamplesMap.TryLookup(key, out var value));
        Assert.Equal((ulong)Calls, value.Count);
        Assert.Equal(unchecked(Magic * Calls), value.Sum);
        Assert.Equal(1u, value.Enabled);
        Assert.Equal(5u, value.Level);
        Assert.Equal(9u, value.Spare);

        var perCpu = new ulong[BpfMap.PossibleCpus];
        Assert.True(skel.PercpuCallsMap.TryLookupPerCpu(0, perCpu));
        Assert.Equal((ulong)Calls, PerCpuValues.Sum<ulong>(perCpu));

        var comm = File.ReadAllText($"/proc/self/task/{tid}/comm").TrimEnd('\n');
        var seen = new List<ulong>();
        events.Consume((ref readonly SkeletonSampleSkeleton.SampleEvent e) =>
        {
            Assert.Equal(tid, e.Tid);
            Assert.Equal(comm, e.Comm.ToString());
            Assert.Equal(Magic, e.U.AsU64);
            Assert.Equal(0x55667788u, e.U.AsU32[0]);
            Assert.Equal(0x11223344u, e.U.AsU32[1]);
            Assert.Equal(10u, e.PortSum);
            Assert.Equal(SkeletonSampleSkeleton.SampleMode.Trace, e.Kind);
            seen.Add(e.Seq);
        });
        Assert.Equal([1UL, 2, 3, 4, 5], seen);
        Assert.Equal(0, events.ShortRecords);
    }

    [Fact]
    public void BitfieldSettersOnlyTouchTheirBits()
    {
        var v = new SkeletonSampleSkeleton.SampleValue { Spare = 0xfffffff };
        v.Enabled = 1;
        v.Level = 7;
        v.Level = 2;
        Assert.Equal(1u, v.Enabled);
        Assert.Equal(2u, v.Level);
        Assert.Equal(0xfffffffu, v.Spare);
        Span<byte> raw = MemoryMarshal.AsBytes(new Span<SkeletonSampleSkeleton.SampleValue>(ref v));
        Assert.Equal(0xffffffffu & ~0b1110u | 0b0100u, MemoryMarshal.Read<uint>(raw[16..]));
    }
}
