using System.Runtime.InteropServices;

namespace XMonitor.Agent.Security;

/// <summary>
/// A seccomp filter, installed on every thread of the process at once (SECCOMP_FILTER_FLAG_TSYNC),
/// that makes the bpf() commands creating or attaching kernel objects (BPF_MAP_CREATE,
/// BPF_PROG_LOAD, BPF_PROG_ATTACH, BPF_RAW_TRACEPOINT_OPEN, BPF_BTF_LOAD, BPF_LINK_CREATE) and
/// perf_event_open fail with EPERM. It completes <see cref="Capabilities.DropAll"/>: capabilities
/// are per thread and capset reaches only the calling one, while a filter reaches them all. Reading
/// maps and ring buffers, which the running probes do, stays allowed. Filters cannot be removed.
/// </summary>
internal static unsafe partial class BpfLoadLock
{
    private const int PrSetNoNewPrivs = 38;
    private const long SysSeccomp = 317;
    private const long SecccompSetModeFilter = 1;
    private const long SeccompFilterFlagTsync = 1;
    private const uint AuditArchX86_64 = 0xC000003E;
    private const uint X32SyscallBit = 0x40000000;
    private const uint SysPerfEventOpen = 298;
    private const uint SysBpf = 321;
    private const uint SeccompRetAllow = 0x7FFF0000;
    private const uint SeccompRetErrno = 0x00050000;
    private const uint Eperm = 1;

    // Classic BPF opcodes (linux/filter.h).
    private const ushort LoadWordAbsolute = 0x20; // BPF_LD | BPF_W | BPF_ABS
    private const ushort JumpIfEqual = 0x15; // BPF_JMP | BPF_JEQ | BPF_K
    private const ushort JumpIfGreaterOrEqual = 0x35; // BPF_JMP | BPF_JGE | BPF_K
    private const ushort Return = 0x06; // BPF_RET | BPF_K

    // Offsets in struct seccomp_data: int nr; __u32 arch; __u64 instruction_pointer; __u64 args[6].
    private const uint NrOffset = 0;
    private const uint ArchOffset = 4;
    private const uint FirstArgumentOffset = 16;

    /// <summary>The bpf() commands that make or attach something (enum bpf_cmd).</summary>
    private static readonly uint[] DeniedBpfCommands = [0 /* MAP_CREATE */, 5 /* PROG_LOAD */, 8 /* PROG_ATTACH */, 17 /* RAW_TRACEPOINT_OPEN */, 18 /* BTF_LOAD */, 28 /* LINK_CREATE */];

    /// <summary>Whether the filter's syscall numbers fit this machine (x86-64 only; elsewhere only the capabilities are dropped).</summary>
    public static bool IsAvailable => RuntimeInformation.ProcessArchitecture == Architecture.X64;

    /// <summary>Installs the filter on every thread; sets no_new_privs first, as seccomp requires without CAP_SYS_ADMIN.</summary>
    /// <exception cref="IOException">prctl or seccomp failed (the message has the errno).</exception>
    public static void Install()
    {
        if (Prctl(PrSetNoNewPrivs, 1, 0, 0, 0) != 0)
            throw new IOException($"prctl(PR_SET_NO_NEW_PRIVS) failed: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}");
        var filter = Build();
        fixed (SockFilter* instructions = filter)
        {
            var program = new SockFprog { Length = (ushort)filter.Length, Filter = instructions };
            var result = Syscall(SysSeccomp, SecccompSetModeFilter, SeccompFilterFlagTsync, &program);
            if (result != 0)
            {
                // With TSYNC a positive result is the id of a thread that could not be synchronized.
                var why = result > 0 ? $"thread {result} has a conflicting filter" : Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError());
                throw new IOException($"seccomp(SECCOMP_SET_MODE_FILTER, TSYNC) failed: {why}");
            }
        }
    }

    /// <summary>The filter: allow everything but the denied commands of bpf() and perf_event_open (and x32 calls, which could alias them).</summary>
    private static SockFilter[] Build()
    {
        // Seven instructions before the command comparisons, then the two returns.
        var allow = 7 + DeniedBpfCommands.Length;
        var deny = allow + 1;
        var code = new List<SockFilter>
        {
            new(LoadWordAbsolute, 0, 0, ArchOffset),
        };
        code.Add(new(JumpIfEqual, 0, (byte)(allow - code.Count - 1), AuditArchX86_64));
        code.Add(new(LoadWordAbsolute, 0, 0, NrOffset));
        code.Add(new(JumpIfGreaterOrEqual, (byte)(deny - code.Count - 1), 0, X32SyscallBit));
        code.Add(new(JumpIfEqual, (byte)(deny - code.Count - 1), 0, SysPerfEventOpen));
        code.Add(new(JumpIfEqual, 0, (byte)(allow - code.Count - 1), SysBpf));
        code.Add(new(LoadWordAbsolute, 0, 0, FirstArgumentOffset));
        foreach (var command in DeniedBpfCommands)
            code.Add(new(JumpIfEqual, (byte)(deny - code.Count - 1), 0, command));
        code.Add(new(Return, 0, 0, SeccompRetAllow));
        code.Add(new(Return, 0, 0, SeccompRetErrno | Eperm));
        return [.. code];
    }

    [LibraryImport("libc", EntryPoint = "prctl", SetLastError = true)]
    private static partial int Prctl(int option, ulong arg2, ulong arg3, ulong arg4, ulong arg5);

    [LibraryImport("libc", EntryPoint = "syscall", SetLastError = true)]
    private static partial long Syscall(long number, long operation, long flags, SockFprog* program);

    [StructLayout(LayoutKind.Sequential)]
    private readonly struct SockFilter(ushort code, byte jumpIfTrue, byte jumpIfFalse, uint k)
    {
        public readonly ushort Code = code;
        public readonly byte JumpIfTrue = jumpIfTrue;
        public readonly byte JumpIfFalse = jumpIfFalse;
        public readonly uint K = k;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct SockFprog
    {
        public ushort Length;
        public SockFilter* Filter;
    }
}
