using System.ComponentModel;
using System.Globalization;

namespace XMonitor.Bpf.Probes;

/// <summary>Converts text to a <see cref="ProcessFilter"/> (<see cref="ProcessFilter.Parse(string)"/>), so configuration binding can set a probe's <c>Filter</c>.</summary>
internal sealed class ProcessFilterConverter : TypeConverter
{
    public override bool CanConvertFrom(ITypeDescriptorContext? context, Type sourceType)
        => sourceType == typeof(string) || base.CanConvertFrom(context, sourceType);

    public override object? ConvertFrom(ITypeDescriptorContext? context, CultureInfo? culture, object value)
        => value is string text ? ProcessFilter.Parse(text) : base.ConvertFrom(context, culture, value);
}
