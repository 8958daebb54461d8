namespace XMonitor.Bpf.Btf;

/// <summary>One enumerator of an enum.</summary>
/// <param name="Name">The enumerator name.</param>
/// <param name="Value">
/// The value; for unsigned enums read <see cref="UnsignedValue"/> instead (values of 32-bit
/// unsigned enums are zero-extended, of signed ones sign-extended).
/// </param>
public readonly record struct BtfEnumValue(string Name, long Value)
{
    /// <summary>The value's bits as an unsigned number.</summary>
    public ulong UnsignedValue => unchecked((ulong)Value);
}
