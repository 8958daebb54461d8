namespace XMonitor.Trace;

/// <summary>How one syscall argument is decoded and shown.</summary>
internal enum ArgKind
{
    /// <summary>A C int: the low 32 bits of the register, signed.</summary>
    Int,
    /// <summary>A 64-bit signed value (off_t, loff_t).</summary>
    Long,
    UInt,
    Hex,
    Pointer,
    Fd,
    DirFd,
    /// <summary>A NUL-terminated string the kernel side copies (paths, names).</summary>
    FilePath,
    /// <summary>A buffer the call reads (write); the next argument is its length.</summary>
    BufferIn,
    /// <summary>A buffer the call fills (read); the return value is its length.</summary>
    BufferOut,
    Argv,
    OpenFlags,
    /// <summary>A file mode, shown only when the open flags before it create a file.</summary>
    OpenMode,
    Mode,
    MmapProt,
    MmapFlags,
    AtFlags,
    AccessMode,
    Whence,
    Signal,
    SocketDomain,
    SocketType,
    FcntlCommand,
}
