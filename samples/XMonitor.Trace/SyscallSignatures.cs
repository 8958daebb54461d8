using static XMonitor.Trace.ArgKind;

namespace XMonitor.Trace;

/// <summary>
/// Signatures of the common x86-64 syscalls (from their man pages). A syscall without one is
/// still traced and shown with its six raw argument registers.
/// </summary>
internal static class SyscallSignatures
{
    private const byte SpecNoReturn = 1;
    private const byte SpecEntryOnly = 2;
    private const byte DataIn = 1;
    private const byte DataOut = 2;
    private const byte DataArgv = 3;

    private static readonly SyscallSignature[] All =
    [
        new("read", ReturnKind.Int, Fd, BufferOut, UInt),
        new("write", ReturnKind.Int, Fd, BufferIn, UInt),
        new("pread64", ReturnKind.Int, Fd, BufferOut, UInt, Long),
        new("pwrite64", ReturnKind.Int, Fd, BufferIn, UInt, Long),
        new("open", ReturnKind.Int, FilePath, OpenFlags, OpenMode),
        new("openat", ReturnKind.Int, DirFd, FilePath, OpenFlags, OpenMode),
        new("creat", ReturnKind.Int, FilePath, Mode),
        new("close", ReturnKind.Int, Fd),
        new("stat", ReturnKind.Int, FilePath, Pointer),
        new("lstat", ReturnKind.Int, FilePath, Pointer),
        new("fstat", ReturnKind.Int, Fd, Pointer),
        new("newfstatat", ReturnKind.Int, DirFd, FilePath, Pointer, AtFlags),
        new("statx", ReturnKind.Int, DirFd, FilePath, AtFlags, Hex, Pointer),
        new("statfs", ReturnKind.Int, FilePath, Pointer),
        new("fstatfs", ReturnKind.Int, Fd, Pointer),
        new("access", ReturnKind.Int, FilePath, AccessMode),
        new("faccessat", ReturnKind.Int, DirFd, FilePath, AccessMode),
        new("faccessat2", ReturnKind.Int, DirFd, FilePath, AccessMode, AtFlags),
        new("readlink", ReturnKind.Int, FilePath, BufferOut, UInt),
        new("readlinkat", ReturnKind.Int, DirFd, FilePath, BufferOut, UInt),
        new("unlink", ReturnKind.Int, FilePath),
        new("unlinkat", ReturnKind.Int, DirFd, FilePath, AtFlags),
        new("mkdir", ReturnKind.Int, FilePath, Mode),
        new("mkdirat", ReturnKind.Int, DirFd, FilePath, Mode),
        new("rmdir", ReturnKind.Int, FilePath),
        new("rename", ReturnKind.Int, FilePath, FilePath),
        new("renameat", ReturnKind.Int, DirFd, FilePath, DirFd, FilePath),
        new("renameat2", ReturnKind.Int, DirFd, FilePath, DirFd, FilePath, Hex),
        new("link", ReturnKind.Int, FilePath, FilePath),
        new("linkat", ReturnKind.Int, DirFd, FilePath, DirFd, FilePath, AtFlags),
        new("symlink", ReturnKind.Int, FilePath, FilePath),
        new("symlinkat", ReturnKind.Int, FilePath, DirFd, FilePath),
        new("chdir", ReturnKind.Int, FilePath),
        new("fchdir", ReturnKind.Int, Fd),
        new("chroot", ReturnKind.Int, FilePath),
        new("chmod", ReturnKind.Int, FilePath, Mode),
        new("fchmod", ReturnKind.Int, Fd, Mode),
        new("fchmodat", ReturnKind.Int, DirFd, FilePath, Mode),
        new("chown", ReturnKind.Int, FilePath, Int, Int),
        new("truncate", ReturnKind.Int, FilePath, Long),
        new("ftruncate", ReturnKind.Int, Fd, Long),
        new("getcwd", ReturnKind.Int, BufferOut, UInt),
        new("lseek", ReturnKind.Int, Fd, Long, Whence),
        new("getdents64", ReturnKind.Int, Fd, Pointer, UInt),
        new("fsync", ReturnKind.Int, Fd),
        new("fdatasync", ReturnKind.Int, Fd),
        new("umask", ReturnKind.Int, Mode),
        new("mmap", ReturnKind.Hex, Pointer, UInt, MmapProt, MmapFlags, Fd, Hex),
        new("munmap", ReturnKind.Int, Pointer, UInt),
        new("mprotect", ReturnKind.Int, Pointer, UInt, MmapProt),
        new("brk", ReturnKind.Hex, Pointer),
        new("execve", ReturnKind.Int, FilePath, Argv, Pointer),
        new("execveat", ReturnKind.Int, DirFd, FilePath, Argv, Pointer, AtFlags),
        new("exit", ReturnKind.None, Int),
        new("exit_group", ReturnKind.None, Int),
        new("dup", ReturnKind.Int, Fd),
        new("dup2", ReturnKind.Int, Fd, Fd),
        new("dup3", ReturnKind.Int, Fd, Fd, OpenFlags),
        new("pipe", ReturnKind.Int, Pointer),
        new("pipe2", ReturnKind.Int, Pointer, OpenFlags),
        new("fcntl", ReturnKind.Int, Fd, FcntlCommand, Hex),
        new("ioctl", ReturnKind.Int, Fd, Hex, Hex),
        new("kill", ReturnKind.Int, Int, Signal),
        new("tkill", ReturnKind.Int, Int, Signal),
        new("tgkill", ReturnKind.Int, Int, Int, Signal),
        new("socket", ReturnKind.Int, SocketDomain, SocketType, Int),
        new("connect", ReturnKind.Int, Fd, Pointer, UInt),
        new("bind", ReturnKind.Int, Fd, Pointer, UInt),
        new("listen", ReturnKind.Int, Fd, Int),
        new("accept", ReturnKind.Int, Fd, Pointer, Pointer),
        new("accept4", ReturnKind.Int, Fd, Pointer, Pointer, SocketType),
        new("sendto", ReturnKind.Int, Fd, BufferIn, UInt, Hex, Pointer, UInt),
        new("recvfrom", ReturnKind.Int, Fd, BufferOut, UInt, Hex, Pointer, Pointer),
        new("wait4", ReturnKind.Int, Int, Pointer, Hex, Pointer),
        new("clone", ReturnKind.Int, Hex, Pointer, Pointer, Pointer, Hex),
        new("clone3", ReturnKind.Int, Pointer, UInt),
        new("fork", ReturnKind.Int),
        new("vfork", ReturnKind.Int),
        new("getpid", ReturnKind.Int),
        new("getppid", ReturnKind.Int),
        new("gettid", ReturnKind.Int),
        new("getuid", ReturnKind.Int),
        new("geteuid", ReturnKind.Int),
        new("getgid", ReturnKind.Int),
        new("getegid", ReturnKind.Int),
        new("sched_yield", ReturnKind.Int),
        new("sync", ReturnKind.Int),
        new("nanosleep", ReturnKind.Int, Pointer, Pointer),
        new("clock_nanosleep", ReturnKind.Int, Int, Hex, Pointer, Pointer),
        new("rt_sigaction", ReturnKind.Int, Signal, Pointer, Pointer, UInt),
        new("rt_sigprocmask", ReturnKind.Int, Int, Pointer, Pointer, UInt),
        new("set_tid_address", ReturnKind.Int, Pointer),
        new("set_robust_list", ReturnKind.Int, Pointer, UInt),
        new("rseq", ReturnKind.Int, Pointer, UInt, Hex, Hex),
        new("prlimit64", ReturnKind.Int, Int, Int, Pointer, Pointer),
        new("arch_prctl", ReturnKind.Int, Hex, Hex),
        new("getrandom", ReturnKind.Int, Pointer, UInt, Hex),
        new("futex", ReturnKind.Int, Pointer, Int, Int, Pointer, Pointer, Int),
        new("poll", ReturnKind.Int, Pointer, UInt, Int),
        new("epoll_wait", ReturnKind.Int, Fd, Pointer, Int, Int),
        new("uname", ReturnKind.Int, Pointer),
    ];

    private static readonly Dictionary<string, SyscallSignature> ByName = All.ToDictionary(s => s.Name);

    public static SyscallSignature? Find(string name) => ByName.GetValueOrDefault(name);

    /// <summary>What the kernel side copies for a syscall: its strings and its one buffer.</summary>
    public static TraceSkeleton.SyscallSpec ToSpec(SyscallSignature? signature)
    {
        var spec = new TraceSkeleton.SyscallSpec { Trace = 1, Str0 = -1, Str1 = -1, Data = -1, DataLen = -1 };
        if (signature is null)
            return spec;
        var strings = signature.StringArgs;
        if (strings.Count > 0)
            spec.Str0 = (sbyte)strings[0];
        if (strings.Count > 1)
            spec.Str1 = (sbyte)strings[1];
        for (var i = 0; i < signature.Args.Length; i++)
        {
            switch (signature.Args[i])
            {
                case BufferIn:
                    (spec.Data, spec.DataLen, spec.DataKind) = ((sbyte)i, (sbyte)(i + 1), DataIn);
                    break;
                case BufferOut:
                    (spec.Data, spec.DataKind) = ((sbyte)i, DataOut);
                    break;
                case Argv:
                    (spec.Data, spec.DataKind) = ((sbyte)i, DataArgv);
                    spec.Flags |= SpecEntryOnly;
                    break;
            }
        }
        if (signature.Return == ReturnKind.None)
            spec.Flags |= SpecNoReturn;
        return spec;
    }
}
