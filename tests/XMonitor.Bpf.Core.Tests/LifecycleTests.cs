using System.Diagnostics;

namespace XMonitor.Bpf.Tests;

/// <summary>Open/load/attach/dispose leaves nothing behind, and views of a disposed object refuse to work.</summary>
[Collection(SerialCollection.Name)]
public sealed class LifecycleTests
{
    [Fact]
    public void ThousandCyclesLeakNoFileDescriptorAndNoProgram()
    {
        BpfEnvironment.Require();
        // Warm up once so lazily opened runtime and libbpf descriptors are not counted as leaks.
        Cycle();
        var fdsBefore = SettledFdCount();
        var loaded = new System.Collections.Concurrent.ConcurrentBag<uint>();

        // Detaching waits for kernel RCU grace periods (~90 ms a cycle); cycles on several threads
        // share those waits, and check thread safety on the way.
        var watch = Stopwatch.StartNew();
        Parallel.For(0, 1000, new ParallelOptions { MaxDegreeOfParallelism = 8 }, _ =>
        {
            foreach (var id in Cycle())
                loaded.Add(id);
        });
        watch.Stop();

        Assert.Equal(fdsBefore, SettledFdCount(fdsBefore));
        // Every one of the 3,000 programs the cycles loaded is gone from the kernel.
        Assert.Equal(3000, loaded.Distinct().Count());
        Assert.Empty(NativeIds.ProgramIds().Intersect(loaded));
        TestContext.Current.SendDiagnosticMessage($"1000 open/load/attach/dispose cycles: {watch.ElapsedMilliseconds} ms");
    }

    /// <returns>The kernel ids of the programs the cycle loaded.</returns>
    private static uint[] Cycle()
    {
        using var open = BpfEnvironment.Open("counter");
        open.SetConstant("target_tid", 1u);
        using var obj = open.Load();
        // Links are left for the object's Dispose to detach.
        obj.AttachAll();
        return obj.Programs.Select(p => p.GetStatistics().Id).ToArray();
    }

    [Fact]
    public void ViewsThrowObjectDisposedAfterTheObjectIsGone()
    {
        BpfEnvironment.Require();
        var open = BpfEnvironment.Open("maps");
        var openMap = open.GetMap("flows");
        var obj = open.Load();
        var map = obj.GetMap("flows").AsTyped<ulong, MapStats>();
        var program = obj.GetProgram("bump");
        obj.Dispose();

        Assert.True(obj.IsDisposed);
        Assert.Throws<ObjectDisposedException>(() => map.TryLookup(1, out _));
        Assert.Throws<ObjectDisposedException>(() => program.TestRun());
        Assert.Throws<InvalidOperationException>(() => openMap.MaxEntries = 5);
        Assert.Throws<InvalidOperationException>(() => open.Load());
    }

    private record struct MapStats(ulong Packets, ulong Bytes);

    [Fact]
    public void DisposingTheObjectDetachesItsLinks()
    {
        BpfEnvironment.Require();
        var open = BpfEnvironment.Open("counter");
        var obj = open.Load();
        var links = obj.AttachAll();
        obj.Dispose();
        Assert.All(links, l => Assert.False(l.IsAttached));
    }

    [Fact]
    public void MapsCanBeResizedAndProgramsSkippedBeforeLoad()
    {
        BpfEnvironment.Require();
        using var open = BpfEnvironment.Open("strategies");
        open.GetProgram("on_vfs_read_kprobe").Autoload = false;
        open.GetProgram("on_vfs_read_fentry").Autoload = false;
        using var obj = open.Load();
        Assert.False(obj.GetProgram("on_vfs_read_fentry").IsLoaded);
        Assert.True(obj.GetProgram("on_read_tracepoint").IsLoaded);
        var links = obj.AttachAll();
        Assert.Single(links);

        using var maps = BpfEnvironment.Open("maps");
        maps.GetMap("flows").MaxEntries = 64;
        using var loaded = maps.Load();
        Assert.Equal(64, loaded.GetMap("flows").MaxEntries);
    }

    [Fact]
    public void AMapLeftOutOfCreationLetsTheObjectLoadWithoutIt()
    {
        BpfEnvironment.Require();
        using var open = BpfEnvironment.Open("maps");
        var prefixes = open.GetMap("prefixes");
        Assert.True(prefixes.AutoCreate);
        // No program of the object uses the LPM trie, so the object loads without it (as a probe
        // leaves out a map of a type the kernel lacks when only skipped programs use it).
        prefixes.AutoCreate = false;
        Assert.False(prefixes.AutoCreate);
        using var obj = open.Load();
        Assert.Equal(0U, obj.GetProgram("bump").TestRun().ReturnValue);
    }

    /// <summary>
    /// The fd count once finalizers of other tests' garbage have run and, when <paramref name="target"/>
    /// is given, once descriptors the runtime closes in the background are closed (up to 5 s).
    /// </summary>
    private static int SettledFdCount(int? target = null)
    {
        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (true)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            var count = BpfEnvironment.OpenFdCount();
            if (target is null || count <= target || DateTime.UtcNow > deadline)
                return count;
            Thread.Sleep(100);
        }
    }
}
