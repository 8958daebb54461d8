namespace XMonitor.Trace;

/// <summary>The user registers an unwind starts from (0 when they were not captured).</summary>
internal readonly record struct UserRegisters(ulong Ip, ulong Sp, ulong Bp);
