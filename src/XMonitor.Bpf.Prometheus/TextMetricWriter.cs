using System.Buffers.Text;
using System.Globalization;

namespace XMonitor.Bpf.Prometheus;

/// <summary>
/// Writes samples as UTF-8 in text format 0.0.4 or OpenMetrics 1.0 straight into a buffer: no
/// intermediate objects per sample, so a scrape costs what its text costs.
/// </summary>
internal sealed class TextMetricWriter : MetricWriter
{
    private readonly bool _openMetrics;
    private MetricBuffer _buffer;

    public TextMetricWriter(MetricBuffer buffer, ExpositionFormat format, bool includeLegacyNames)
    {
        _buffer = buffer;
        _openMetrics = format == ExpositionFormat.OpenMetrics;
        IncludeLegacyNames = includeLegacyNames;
    }

    /// <summary>Points the writer at another buffer (each collector writes into its own scratch buffer).</summary>
    public void Target(MetricBuffer buffer) => _buffer = buffer;

    /// <summary>Ends an OpenMetrics exposition; nothing for text 0.0.4.</summary>
    public void WriteEof()
    {
        if (_openMetrics)
            _buffer.Write("# EOF\n"u8);
    }

    private protected override void BeginFamily(MetricFamily family)
    {
        // Text 0.0.4 has no info type and names counters with their _total in HELP and TYPE;
        // OpenMetrics names the family without suffix and has TYPE info and UNIT.
        ReadOnlySpan<byte> suffix = _openMetrics ? default : family.Type switch
        {
            MetricType.Counter => "_total"u8,
            MetricType.Info => "_info"u8,
            _ => default,
        };
        ReadOnlySpan<byte> type = family.Type switch
        {
            MetricType.Counter => "counter"u8,
            MetricType.Gauge => "gauge"u8,
            MetricType.Histogram => "histogram"u8,
            _ => _openMetrics ? "info"u8 : "gauge"u8,
        };
        _buffer.Write("# HELP "u8);
        _buffer.Write(family.NameUtf8);
        _buffer.Write(suffix);
        _buffer.Write((byte)' ');
        WriteEscaped(family.Help, escapeQuote: _openMetrics);
        _buffer.Write("\n# TYPE "u8);
        _buffer.Write(family.NameUtf8);
        _buffer.Write(suffix);
        _buffer.Write((byte)' ');
        _buffer.Write(type);
        _buffer.Write((byte)'\n');
        if (_openMetrics && family.Unit is { } unit)
        {
            _buffer.Write("# UNIT "u8);
            _buffer.Write(family.NameUtf8);
            _buffer.Write((byte)' ');
            _buffer.WriteUtf8(unit);
            _buffer.Write((byte)'\n');
        }
    }

    private protected override void WriteCounter(MetricFamily family, ReadOnlySpan<Label> labels, double value, DateTimeOffset? created)
    {
        WriteSeriesName(family, "_total"u8);
        WriteLabels(family, labels, default, default);
        WriteValueLine(value);
        if (_openMetrics && created is { } c)
            WriteCreated(family, labels, c);
    }

    private protected override void WriteGauge(MetricFamily family, ReadOnlySpan<Label> labels, double value)
    {
        WriteSeriesName(family, default);
        WriteLabels(family, labels, default, default);
        WriteValueLine(value);
    }

    private protected override void WriteInfo(MetricFamily family, ReadOnlySpan<Label> labels)
    {
        WriteSeriesName(family, "_info"u8);
        WriteLabels(family, labels, default, default);
        _buffer.Write(" 1\n"u8);
    }

    private protected override void WriteHistogram(MetricFamily family, ReadOnlySpan<Label> labels, ReadOnlySpan<CumulativeBucket> buckets, double sum, ulong count, DateTimeOffset? created, byte[][]? boundsUtf8)
    {
        Span<byte> bound = stackalloc byte[32];
        for (var i = 0; i < buckets.Length; i++)
        {
            WriteSeriesName(family, "_bucket"u8);
            WriteLabels(family, labels, "le"u8, boundsUtf8 is not null ? boundsUtf8[i] : bound[..FormatDouble(buckets[i].UpperBound, bound)]);
            WriteValueLine(buckets[i].CumulativeCount);
        }
        WriteSeriesName(family, "_bucket"u8);
        WriteLabels(family, labels, "le"u8, "+Inf"u8);
        WriteValueLine(count);
        WriteSeriesName(family, "_sum"u8);
        WriteLabels(family, labels, default, default);
        WriteValueLine(sum);
        WriteSeriesName(family, "_count"u8);
        WriteLabels(family, labels, default, default);
        WriteValueLine(count);
        if (_openMetrics && created is { } c)
            WriteCreated(family, labels, c);
    }

    private void WriteCreated(MetricFamily family, ReadOnlySpan<Label> labels, DateTimeOffset created)
    {
        WriteSeriesName(family, "_created"u8);
        WriteLabels(family, labels, default, default);
        WriteValueLine(created.ToUnixTimeMilliseconds() / 1000.0);
    }

    private void WriteSeriesName(MetricFamily family, ReadOnlySpan<byte> suffix)
    {
        _buffer.Write(family.NameUtf8);
        _buffer.Write(suffix);
    }

    private void WriteLabels(MetricFamily family, ReadOnlySpan<Label> labels, ReadOnlySpan<byte> extraName, ReadOnlySpan<byte> extraValue)
    {
        var constant = family.ConstantLabels;
        if (labels.IsEmpty && constant.Count == 0 && extraName.IsEmpty)
            return;
        _buffer.Write((byte)'{');
        var first = true;
        var names = family.LabelNamesUtf8;
        for (var i = 0; i < labels.Length; i++)
            WriteLabel(names[i], labels[i].Value, ref first);
        for (var i = 0; i < constant.Count; i++)
            WriteLabel(constant[i].Name, constant[i].Value, ref first);
        if (!extraName.IsEmpty)
        {
            if (!first)
                _buffer.Write((byte)',');
            _buffer.Write(extraName);
            _buffer.Write("=\""u8);
            _buffer.Write(extraValue);
            _buffer.Write((byte)'"');
        }
        _buffer.Write((byte)'}');
    }

    private void WriteLabel(ReadOnlySpan<byte> name, string value, ref bool first)
    {
        if (!first)
            _buffer.Write((byte)',');
        first = false;
        _buffer.Write(name);
        _buffer.Write("=\""u8);
        WriteEscaped(value, escapeQuote: true);
        _buffer.Write((byte)'"');
    }

    private void WriteLabel(string name, string value, ref bool first)
    {
        if (!first)
            _buffer.Write((byte)',');
        first = false;
        _buffer.WriteUtf8(name);
        _buffer.Write("=\""u8);
        WriteEscaped(value, escapeQuote: true);
        _buffer.Write((byte)'"');
    }

    // Label values escape backslash, double quote and line feed (both formats); HELP escapes
    // backslash and line feed, and in OpenMetrics the double quote too.
    private void WriteEscaped(string text, bool escapeQuote)
    {
        var span = text.AsSpan();
        while (!span.IsEmpty)
        {
            var next = escapeQuote ? span.IndexOfAny('\\', '"', '\n') : span.IndexOfAny('\\', '\n');
            if (next < 0)
            {
                _buffer.WriteUtf8(span);
                return;
            }
            _buffer.WriteUtf8(span[..next]);
            _buffer.Write(span[next] switch
            {
                '\\' => "\\\\"u8,
                '"' => "\\\""u8,
                _ => "\\n"u8,
            });
            span = span[(next + 1)..];
        }
    }

    private void WriteValueLine(double value)
    {
        var span = _buffer.GetSpan(34);
        span[0] = (byte)' ';
        var n = FormatDouble(value, span[1..]);
        span[n + 1] = (byte)'\n';
        _buffer.Advance(n + 2);
    }

    private void WriteValueLine(ulong value)
    {
        var span = _buffer.GetSpan(23);
        span[0] = (byte)' ';
        Utf8Formatter.TryFormat(value, span[1..], out var n);
        span[n + 1] = (byte)'\n';
        _buffer.Advance(n + 2);
    }

    /// <summary>The shortest text that parses back to <paramref name="value"/>; infinities and NaN as Prometheus spells them.</summary>
    internal static int FormatDouble(double value, Span<byte> destination)
    {
        ReadOnlySpan<byte> special = value switch
        {
            double.PositiveInfinity => "+Inf"u8,
            double.NegativeInfinity => "-Inf"u8,
            _ when double.IsNaN(value) => "NaN"u8,
            _ => default,
        };
        if (!special.IsEmpty)
        {
            special.CopyTo(destination);
            return special.Length;
        }
        value.TryFormat(destination, out var written, default, CultureInfo.InvariantCulture);
        return written;
    }
}
