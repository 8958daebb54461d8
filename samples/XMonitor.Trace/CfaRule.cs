namespace XMonitor.Trace;

/// <summary>
/// Where a frame's caller state is, at one address, from the call frame information: the CFA is
/// register <see cref="CfaRegister"/> (DWARF number: 7 rsp, 6 rbp) plus <see cref="CfaOffset"/>;
/// the return address and the caller's rbp are saved at CFA plus their offsets (rbp unchanged when null).
/// </summary>
internal readonly record struct CfaRule(int CfaRegister, long CfaOffset, long ReturnAddressOffset, long? BpOffset);
