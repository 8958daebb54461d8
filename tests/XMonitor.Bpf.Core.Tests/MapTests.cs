using System.Runtime.InteropServices;

namespace XMonitor.Bpf.Tests;

/// <summary>Map CRUD, iteration, batch operations and per-CPU values against real kernel maps.</summary>
public sealed class MapTests
{
    [StructLayout(LayoutKind.Sequential)]
    private record struct FlowKey(uint Pid, ushort Port, byte Proto, byte Pad);

    [StructLayout(LayoutKind.Sequential)]
    private record struct FlowStats(ulong Packets, ulong Bytes);

    private static FlowKey Key(int i) => new((uint)i, (ushort)(i % 65536), (byte)(i % 3 == 0 ? 6 : 17), 0);

    private static FlowStats Value(int i) => new((ulong)i * 2, (ulong)i * 1500);

    [Fact]
    public void LookupUpdateDeleteWithStructKeysAndValues()
    {
        BpfEnvironment.Require();
        using var obj = BpfEnvironment.Open("maps").Load();
        var flows = obj.GetMap("flows").AsTyped<FlowKey, FlowStats>();
        Assert.Equal(BpfMapType.Hash, flows.Map.Type);
        Assert.Equal(10_000, flows.Map.MaxEntries);

        Assert.False(flows.TryLookup(Key(1), out _));
        flows.Update(Key(1), Value(1));
        Assert.True(flows.TryLookup(Key(1), out var v));
        Assert.Equal(Value(1), v);

        var ex = Assert.Throws<BpfException>(() => flows.Update(Key(1), Value(2), BpfMapUpdateFlags.NoExist));
        Assert.Equal(Errno.EEXIST, ex.Errno);
        Assert.Contains("flows", ex.Message);
        flows.Update(Key(1), Value(2), BpfMapUpdateFlags.Exist);
        Assert.True(flows.TryLookup(Key(1), out v));
        Assert.Equal(Value(2), v);

        Assert.True(flows.Delete(Key(1)));
        Assert.False(flows.Delete(Key(1)));
        Assert.False(flows.TryLookup(Key(1), out _));
    }

    [Fact]
    public void IterationAndBatchReadSeeEveryEntry()
    {
        BpfEnvironment.Require();
        using var obj = BpfEnvironment.Open("maps").Load();
        var flows = obj.GetMap("flows").AsTyped<FlowKey, FlowStats>();
        const int n = 8000;
        var keys = Enumerable.Range(0, n).Select(Key).ToArray();
        var values = Enumerable.Range(0, n).Select(Value).ToArray();
        flows.UpdateAll(keys, values);

        var iterated = new HashSet<uint>();
        foreach (var key in flows.Keys)
            iterated.Add(key.Pid);
        Assert.Equal(n, iterated.Count);

        var readKeys = new FlowKey[flows.Map.MaxEntries];
        var readValues = new FlowStats[flows.Map.MaxEntries];
        var read = flows.ReadAll(readKeys, readValues);
        Assert.Equal(n, read);
        for (var i = 0; i < read; i++)
            Assert.Equal(Value((int)readKeys[i].Pid), readValues[i]);

        var drained = flows.ReadAll(readKeys, readValues, delete: true);
        Assert.Equal(n, drained);
        Assert.Equal(0, flows.ReadAll(readKeys, readValues));
    }

    [Fact]
    public void BatchReadIntoASmallBufferReturnsWhatFits()
    {
        BpfEnvironment.Require();
        using var obj = BpfEnvironment.Open("maps").Load();
        var flows = obj.GetMap("flows").AsTyped<FlowKey, FlowStats>();
        flows.UpdateAll(Enumerable.Range(0, 3000).Select(Key).ToArray(), Enumerable.Range(0, 3000).Select(Value).ToArray());

        var keys = new FlowKey[1000];
        var values = new FlowStats[1000];
        var read = flows.ReadAll(keys, values);
        // Hash batches return whole buckets, so a short buffer may end a bucket early.
        Assert.InRange(read, 990, 1000);
        Assert.All(Enumerable.Range(0, read), i => Assert.Equal(Value((int)keys[i].Pid), values[i]));
    }

    [Fact]
    public void PerCpuValuesHaveOneSlotPerPossibleCpu()
    {
        BpfEnvironment.Require();
        using var obj = BpfEnvironment.Open("maps").Load();
        var counters = obj.GetMap("cpu_counters").AsTyped<uint, ulong>();
        Assert.True(counters.Map.IsPerCpu);
        var cpus = BpfMap.PossibleCpus;
        Assert.Equal(cpus * 8, counters.Map.LookupValueSize);

        var bump = obj.GetProgram("bump");
        for (var i = 0; i < 250; i++)
            bump.TestRun();
        var perCpu = new ulong[cpus];
        Assert.True(counters.TryLookupPerCpu(0, perCpu));
        Assert.Equal(250UL, PerCpuValues.Sum<ulong>(perCpu));

        var set = Enumerable.Range(1, cpus).Select(c => (ulong)c * 10).ToArray();
        counters.UpdatePerCpu(1, set);
        Assert.True(counters.TryLookupPerCpu(1, perCpu));
        Assert.Equal(set, perCpu);
        Assert.Throws<InvalidOperationException>(() => counters.TryLookup(1, out _));
    }

    [Fact]
    public void PerCpuValuesSmallerThanEightBytesAreUnpadded()
    {
        BpfEnvironment.Require();
        using var obj = BpfEnvironment.Open("maps").Load();
        var small = obj.GetMap("cpu_small").AsTyped<uint, uint>();
        var cpus = BpfMap.PossibleCpus;
        var set = Enumerable.Range(0, cpus).Select(c => (uint)(c + 1) * 7).ToArray();
        small.UpdatePerCpu(42, set);
        var read = new uint[cpus];
        Assert.True(small.TryLookupPerCpu(42, read));
        Assert.Equal(set, read);
        Assert.False(small.TryLookupPerCpu(43, read));
    }

    [StructLayout(LayoutKind.Sequential)]
    private record struct Prefix(uint PrefixLength, uint Address);

    [Fact]
    public void MapsWithoutBatchOperationsAreReadKeyByKey()
    {
        BpfEnvironment.Require();
        using var obj = BpfEnvironment.Open("maps").Load();
        var prefixes = obj.GetMap("prefixes").AsTyped<Prefix, uint>();
        Assert.Equal(BpfMapType.LpmTrie, prefixes.Map.Type);
        for (var i = 0u; i < 100; i++)
            prefixes.Update(new Prefix(24, 0x0a000000 | (i << 8)), i);

        var keys = new Prefix[256];
        var values = new uint[256];
        Assert.Equal(100, prefixes.ReadAll(keys, values));
        for (var i = 0; i < 100; i++)
            Assert.Equal((keys[i].Address >> 8) & 0xff, values[i]);
        Assert.Equal(100, prefixes.ReadAll(keys, values, delete: true));
        Assert.Equal(0, prefixes.ReadAll(keys, values));
    }

    [Fact]
    public void APinnedMapIsVisibleInBpffsUntilUnpinned()
    {
        BpfEnvironment.Require();
        Assert.SkipUnless(Directory.Exists("/sys/fs/bpf"), "bpffs is not mounted at /sys/fs/bpf");
        using var obj = BpfEnvironment.Open("maps").Load();
        var path = $"/sys/fs/bpf/xmon-test-{Environment.ProcessId}";
        var flows = obj.GetMap("flows");
        flows.Pin(path);
        try
        {
            Assert.True(File.Exists(path));
            var psi = new System.Diagnostics.ProcessStartInfo("bpftool", ["map", "show", "pinned", path]) { RedirectStandardOutput = true };
            using var bpftool = System.Diagnostics.Process.Start(psi)!;
            var shown = bpftool.StandardOutput.ReadToEnd();
            bpftool.WaitForExit();
            Assert.Contains("name flows", shown);
        }
        finally
        {
            flows.Unpin(path);
        }
        Assert.False(File.Exists(path));
    }

    [Fact]
    public void RawByteApiChecksSizes()
    {
        BpfEnvironment.Require();
        using var obj = BpfEnvironment.Open("maps").Load();
        var flows = obj.GetMap("flows");
        var ex = Assert.Throws<ArgumentException>(() => flows.TryLookup(new byte[4], new byte[16]));
        Assert.Contains("8-byte keys", ex.Message);
        Assert.Throws<ArgumentException>(() => flows.AsTyped<uint, ulong>());
        Span<byte> next = stackalloc byte[8];
        Assert.False(flows.TryGetNextKey([], next));
    }
}
