using System.Numerics;

namespace XMonitor.Bpf;

/// <summary>Helpers for the per-CPU values of per-CPU maps.</summary>
public static class PerCpuValues
{
    /// <summary>The sum of every CPU's value: the map-wide total of a per-CPU counter.</summary>
    public static T Sum<T>(ReadOnlySpan<T> perCpu) where T : INumber<T>
    {
        var sum = T.Zero;
        foreach (var v in perCpu)
            sum += v;
        return sum;
    }
}
