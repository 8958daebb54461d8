using System.Runtime.CompilerServices;
using XMonitor.Bpf.Probes.CpuSched;

namespace XMonitor.Bpf.Probes.Tests;

/// <summary>
/// The public enums and constants the probe casts to the skeleton's (generated from the object's
/// BTF) have the C side's values, so a change in bpf/cpusched.h or xm_filter.h that is not made in
/// C# fails here instead of configuring the kernel side wrongly.
/// </summary>
public sealed class CpuSchedBindingTests
{
    [Fact]
    public void FilterKindsHaveTheValuesOfTheCEnum()
        => Assert.Equal(
            Enum.GetValues<CpuschedSkeleton.XmFilterKindEnum>().Select(v => (long)v),
            Enum.GetValues<ProcessFilterKind>().Select(v => (long)v));

    [Fact]
    public void AggregationsHaveTheValuesAndNamesOfTheCEnum()
    {
        Assert.Equal(
            Enum.GetValues<CpuschedSkeleton.CpuschedAggregate>().Select(v => ((long)v, v.ToString())),
            Enum.GetValues<CpuSchedAggregation>().Select(v => ((long)v, v.ToString())));
    }

    [Fact]
    public void HistogramsHaveTheKernelSidesSlotCount()
        => Assert.Equal(Log2Histogram.SlotCount, Unsafe.SizeOf<CpuschedSkeleton.XmHist.SlotsBuffer>() / sizeof(ulong));
}
