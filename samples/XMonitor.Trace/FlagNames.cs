using System.Globalization;
using System.Text;

namespace XMonitor.Trace;

/// <summary>Constant and flag names of x86-64 Linux, as strace prints them.</summary>
internal static class FlagNames
{
    public const int AtFdCwd = -100;
    private const ulong OCreat = 0x40;
    private const ulong OTmpfile = 0x410000;

    private static readonly (ulong Bits, string Name)[] OpenBits =
    [
        (OTmpfile, "O_TMPFILE"), (0x101000, "O_SYNC"), (0x40, "O_CREAT"), (0x80, "O_EXCL"), (0x100, "O_NOCTTY"),
        (0x200, "O_TRUNC"), (0x400, "O_APPEND"), (0x800, "O_NONBLOCK"), (0x1000, "O_DSYNC"), (0x2000, "O_ASYNC"),
        (0x4000, "O_DIRECT"), (0x8000, "O_LARGEFILE"), (0x10000, "O_DIRECTORY"), (0x20000, "O_NOFOLLOW"),
        (0x40000, "O_NOATIME"), (0x80000, "O_CLOEXEC"), (0x200000, "O_PATH"),
    ];

    private static readonly (ulong, string)[] ProtBits = [(1, "PROT_READ"), (2, "PROT_WRITE"), (4, "PROT_EXEC")];

    private static readonly (ulong, string)[] MapBits =
    [
        (0x10, "MAP_FIXED"), (0x20, "MAP_ANONYMOUS"), (0x40, "MAP_32BIT"), (0x100, "MAP_GROWSDOWN"),
        (0x800, "MAP_DENYWRITE"), (0x1000, "MAP_EXECUTABLE"), (0x2000, "MAP_LOCKED"), (0x4000, "MAP_NORESERVE"),
        (0x8000, "MAP_POPULATE"), (0x10000, "MAP_NONBLOCK"), (0x20000, "MAP_STACK"), (0x40000, "MAP_HUGETLB"),
        (0x80000, "MAP_SYNC"), (0x100000, "MAP_FIXED_NOREPLACE"),
    ];

    private static readonly (ulong, string)[] AtBits =
    [
        (0x100, "AT_SYMLINK_NOFOLLOW"), (0x200, "AT_REMOVEDIR"), (0x400, "AT_SYMLINK_FOLLOW"),
        (0x800, "AT_NO_AUTOMOUNT"), (0x1000, "AT_EMPTY_PATH"),
    ];

    private static readonly (ulong, string)[] AccessBits = [(4, "R_OK"), (2, "W_OK"), (1, "X_OK")];

    private static readonly (ulong, string)[] SocketTypeBits = [(0x800, "SOCK_NONBLOCK"), (0x80000, "SOCK_CLOEXEC")];

    private static readonly string[] Signals =
    [
        "0", "SIGHUP", "SIGINT", "SIGQUIT", "SIGILL", "SIGTRAP", "SIGABRT", "SIGBUS", "SIGFPE", "SIGKILL", "SIGUSR1",
        "SIGSEGV", "SIGUSR2", "SIGPIPE", "SIGALRM", "SIGTERM", "SIGSTKFLT", "SIGCHLD", "SIGCONT", "SIGSTOP", "SIGTSTP",
        "SIGTTIN", "SIGTTOU", "SIGURG", "SIGXCPU", "SIGXFSZ", "SIGVTALRM", "SIGPROF", "SIGWINCH", "SIGIO", "SIGPWR", "SIGSYS",
    ];

    private static readonly Dictionary<ulong, string> SocketDomains = new()
    {
        [0] = "AF_UNSPEC", [1] = "AF_UNIX", [2] = "AF_INET", [10] = "AF_INET6", [16] = "AF_NETLINK", [17] = "AF_PACKET",
    };

    private static readonly Dictionary<ulong, string> SocketTypes = new()
    {
        [1] = "SOCK_STREAM", [2] = "SOCK_DGRAM", [3] = "SOCK_RAW", [4] = "SOCK_RDM", [5] = "SOCK_SEQPACKET", [10] = "SOCK_PACKET",
    };

    private static readonly Dictionary<ulong, string> FcntlCommands = new()
    {
        [0] = "F_DUPFD", [1] = "F_GETFD", [2] = "F_SETFD", [3] = "F_GETFL", [4] = "F_SETFL", [5] = "F_GETLK",
        [6] = "F_SETLK", [7] = "F_SETLKW", [1030] = "F_DUPFD_CLOEXEC", [1033] = "F_ADD_SEALS", [1034] = "F_GET_SEALS",
    };

    private static readonly string[] Whences = ["SEEK_SET", "SEEK_CUR", "SEEK_END", "SEEK_DATA", "SEEK_HOLE"];

    /// <summary>True when open flags create a file, so the mode argument means something.</summary>
    public static bool OpenCreates(ulong flags) => (flags & OCreat) != 0 || (flags & OTmpfile) == OTmpfile;

    public static string Open(ulong flags)
    {
        var access = (flags & 3) switch { 0 => "O_RDONLY", 1 => "O_WRONLY", 2 => "O_RDWR", _ => "O_ACCMODE" };
        return Combine(access, flags & ~3UL, OpenBits);
    }

    public static string Prot(ulong prot) => prot == 0 ? "PROT_NONE" : Combine(null, prot, ProtBits);

    public static string Map(ulong flags)
    {
        var type = (flags & 3) switch { 1 => "MAP_SHARED", 2 => "MAP_PRIVATE", 3 => "MAP_SHARED_VALIDATE", _ => null };
        return Combine(type, flags & ~3UL, MapBits);
    }

    public static string At(ulong flags) => flags == 0 ? "0" : Combine(null, flags, AtBits);

    public static string Access(ulong mode) => mode == 0 ? "F_OK" : Combine(null, mode, AccessBits);

    public static string Signal(ulong signal) => signal < (ulong)Signals.Length ? Signals[signal] : signal.ToString(CultureInfo.InvariantCulture);

    public static string Whence(ulong whence) => whence < (ulong)Whences.Length ? Whences[whence] : whence.ToString(CultureInfo.InvariantCulture);

    public static string SocketDomain(ulong domain) => SocketDomains.GetValueOrDefault(domain) ?? domain.ToString(CultureInfo.InvariantCulture);

    public static string SocketType(ulong type) =>
        Combine(SocketTypes.GetValueOrDefault(type & 0xf) ?? (type & 0xf).ToString(CultureInfo.InvariantCulture), type & ~0xfUL, SocketTypeBits);

    public static string Fcntl(ulong command) => FcntlCommands.GetValueOrDefault(command) ?? command.ToString(CultureInfo.InvariantCulture);

    public static string Mode(ulong mode) => "0" + Convert.ToString((long)mode, 8);

    /// <summary>Names for the set bits, in table order, and any bits left over in hex.</summary>
    private static string Combine(string? first, ulong bits, (ulong Bits, string Name)[] table)
    {
        var text = new StringBuilder(first);
        foreach (var (mask, name) in table)
        {
            if ((bits & mask) != mask)
                continue;
            bits &= ~mask;
            Append(text, name);
        }
        if (bits != 0 || text.Length == 0)
            Append(text, "0x" + bits.ToString("x", CultureInfo.InvariantCulture));
        return text.ToString();
    }

    private static void Append(StringBuilder text, string name)
    {
        if (text.Length > 0)
            text.Append('|');
        text.Append(name);
    }
}
