using System.Globalization;

namespace XMonitor.Bpf.Benchmarks;

/// <summary>
/// Timings of the comparison mode, reported as their median (a 2-core VM has outliers) in the line
/// format benchmarks/run.sh parses and benchmarks/ref's C programs print too:
/// <c>result &lt;case&gt; &lt;implementation&gt; &lt;value&gt;</c>.
/// </summary>
internal sealed class Samples(int capacity)
{
    private readonly List<double> _values = new(capacity);

    public void Add(double value) => _values.Add(value);

    public double Median()
    {
        _values.Sort();
        var n = _values.Count;
        return n % 2 == 1 ? _values[n / 2] : (_values[(n / 2) - 1] + _values[n / 2]) / 2;
    }

    public static void Print(string kind, string @case, string implementation, double value)
        => Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{kind} {@case} {implementation} {value:F4}"));
}
